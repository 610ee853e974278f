public import BackstopModel
public import BackstopPostgres
import Foundation

/// A stored plan with what has become of its steps so far.
public struct StoredPlan: Sendable {
    /// The plan (its `MergePlan.planID` and `MergePlan.runID` set).
    public var plan: MergePlan
    /// `planned`, `applying`, `applied`, `aborted` or `superseded`.
    public var status: String
    /// Step `seq` → its outcome, for the steps that have one.
    public var outcomes: [Int: StepState]

    /// What became of one step.
    public struct StepState: Sendable, Hashable {
        /// `applied`, `conflict` (the row changed since planning) or `skipped` (by the plan).
        public var outcome: StepOutcome
        /// The row's version after the step wrote it (applied steps).
        public var written: RowVersion?

        /// Pairs a step's outcome with the row version it left (`nil` unless the step was applied).
        public init(outcome: StepOutcome, written: RowVersion?) {
            self.outcome = outcome
            self.written = written
        }
    }

    /// The steps without an outcome, in plan order.
    public var pending: [PlanStep] { plan.steps.filter { outcomes[$0.seq] == nil } }
}

/// Stores merge plans in `backstop.plan`/`backstop.plan_step` and records, batch by batch, what an apply
/// did to each step (in the batch's own transaction: the caller's).
///
/// Recording outcomes in the batch's transaction is what makes an apply resumable: after a crash every
/// step either has its outcome and its write, or neither, so the same `backstop apply` continues with
/// ``StoredPlan/pending`` and never repeats a step (an outcome's key is the step).
public struct PlanStore {
    /// The connection to the catalog database (where the `backstop` schema lives).
    public let connection: PGConnection

    /// A store that reads and writes through `connection`, on the catalog database the plans target.
    public init(connection: PGConnection) { self.connection = connection }

    /// Stores `plan` for `runID` (steps in one COPY; `skip` steps get their outcome at once) and returns it
    /// with its new id.
    ///
    /// - Parameters:
    ///   - plan: the plan (its `planID` is replaced).
    ///   - runID: the run it belongs to.
    ///   - source: `run` for a plan a run made, else the file it was read from.
    /// - Returns: the plan with its `MergePlan.planID` and `MergePlan.runID`.
    /// - Throws: `PGError` when the plan cannot be stored (nothing of it is).
    public func save(_ plan: MergePlan, runID: Int64, source: String = "run") throws -> MergePlan {
        // Every jsonb value through one encoder (keys sorted): a step's `was` and `set`, the policy, the base.
        let encoder = JSONFiles.compactEncoder()
        func json(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        return try connection.transaction { connection in
            let result = try connection.execute(
                """
                INSERT INTO backstop.plan (run_id, status, summary, shop_id, fingerprint, endpoint, snapshot, partial,
                                           policy, base, source, format)
                VALUES (\(runID), 'planned', \(PGJSON(Self.summaryJSON(plan)))::jsonb, \(plan.shopID), \(plan.fingerprint),
                        \(plan.endpoint), \(plan.snapshot), \(plan.partial),
                        \(PGJSON(try json(plan.policy)))::jsonb, \(PGJSON(try json(plan.base)))::jsonb,
                        \(source), \(plan.format))
                RETURNING id
                """)
            let planID = Int64(try result.int(row: 0, column: 0))
            let steps = plan.steps
            try connection.copyIn(
                """
                COPY backstop.plan_step (plan_id, seq, action, entity, entity_key, expected, desired, phase, target,
                                         resolves, row_xmin, row_checksum, intended, reason) FROM STDIN
                """, rows: steps
            ) { s, buffer in
                CopyText.appendRow(
                    [
                        String(planID), String(s.seq), s.action.rawValue, s.entity, s.key,
                        try json(s.was), try json(s.set), s.phase.rawValue, s.target.map(String.init),
                        Self.arrayLiteral(s.resolves),
                        s.version.map { String($0.xmin) }, s.version?.checksum, s.intended?.rawValue, s.reason,
                    ], to: &buffer)
            }
            let skips = steps.filter { $0.action == .skip }.map {
                (seq: $0.seq, outcome: StepOutcome.skipped, written: RowVersion?.none)
            }
            try appendOutcomes(skips, planID: planID, applyRunID: nil, batch: nil)
            var stored = plan
            stored.planID = planID
            stored.runID = runID
            return stored
        }
    }

    /// The newest plan a run made, if any: how `backstop apply --run N` finds what to apply.
    /// - Parameter runID: The run that planned.
    /// - Returns: The plan's id, `nil` when the run made none (a failed run, `diff` without planning).
    /// - Throws: `PGError` when the query fails.
    public func planID(ofRun runID: Int64) throws -> Int64? {
        let result = try connection.execute("SELECT max(id) FROM backstop.plan WHERE run_id = \(runID)")
        return result.string(row: 0, column: 0).flatMap { Int64($0) }
    }

    /// A stored plan with the same id and the same steps as `plan` (a `plan.json` of this catalog), if any.
    ///
    /// `backstop apply --plan plan.json` resumes the stored plan only when the file is exactly what was
    /// stored; an edited file (or one from another catalog whose ids happen to match) does not match.
    /// - Parameter plan: A plan read from a file.
    /// - Returns: The stored plan with its outcomes, or `nil`.
    /// - Throws: `PGError` or a decoding error when the stored plan cannot be read.
    public func matching(_ plan: MergePlan) throws -> StoredPlan? {
        guard let planID = plan.planID, let stored = try load(planID: planID) else { return nil }
        return stored.plan.steps == plan.steps && stored.plan.shopID == plan.shopID ? stored : nil
    }

    /// Loads a plan with its steps' outcomes; `nil` when there is no such plan.
    ///
    /// Steps come back in `seq` order in one JSON document (one round trip and one decode for any number
    /// of steps), each with the outcome an earlier apply recorded.
    /// - Parameter planID: The plan's id.
    /// - Returns: The plan, its status and its steps' outcomes.
    /// - Throws: `PGError` when a query fails, or a decoding error for a stored step this build cannot read.
    public func load(planID: Int64) throws -> StoredPlan? {
        let header = try connection.execute(
            """
            SELECT run_id, status, shop_id, fingerprint, endpoint, snapshot, partial, policy::text, base::text, format,
                   (summary->>'bitrix_changes')::int, (summary->>'reported')::int
              FROM backstop.plan WHERE id = \(planID)
            """)
        guard header.rowCount == 1, let row = header.rows.first else { return nil }
        // One JSON document for every step, in PlanStep's own shape plus its outcome: one decode, no per-row parse.
        let steps = try connection.execute(
            """
            SELECT coalesce(json_agg(json_build_object(
                     'seq', s.seq, 'phase', phase, 'action', action, 'entity', entity, 'target', target, 'key', entity_key,
                     'resolves', resolves, 'set', desired, 'was', expected,
                     'version', CASE WHEN row_xmin IS NULL THEN NULL
                                     ELSE json_build_object('xmin', row_xmin, 'checksum', row_checksum) END,
                     'intended', intended, 'reason', reason, 'outcome', o.outcome,
                     'written', CASE WHEN o.written_xmin IS NULL THEN NULL
                                     ELSE json_build_object('xmin', o.written_xmin, 'checksum', coalesce(o.written_checksum, '')) END)
                   ORDER BY s.seq), '[]')::text
              FROM backstop.plan_step s LEFT JOIN backstop.plan_step_outcome o ON o.plan_id = s.plan_id AND o.seq = s.seq
             WHERE s.plan_id = \(planID)
            """)
        let decoder = JSONDecoder()
        let rows = try decoder.decode([StoredStepRow].self, from: Data((steps.string(row: 0, column: 0) ?? "[]").utf8))
        let base = try decoder.decode(MergePlan.Base.self, from: Data((row[8] ?? "{}").utf8))
        let policy = try decoder.decode([String: String].self, from: Data((row[7] ?? "{}").utf8))
        var plan = MergePlan(
            planID: planID, runID: row[0].flatMap { Int64($0) }, shopID: row[2].flatMap { Int64($0) } ?? 0,
            fingerprint: row[3] ?? "", endpoint: row[4] ?? "", snapshot: row[5] ?? "", partial: row[6] == "t",
            policy: policy, base: base, bitrixChanges: row[10].flatMap { Int($0) } ?? 0,
            reported: row[11].flatMap { Int($0) } ?? 0, steps: rows.map(\.step))
        plan.format = row[9].flatMap { Int($0) } ?? MergePlan.currentFormat
        var outcomes: [Int: StoredPlan.StepState] = [:]
        for stored in rows {
            if let outcome = stored.outcome {
                outcomes[stored.step.seq] = .init(outcome: outcome, written: stored.written)
            }
        }
        return StoredPlan(plan: plan, status: row[1] ?? "planned", outcomes: outcomes)
    }

    /// Sets a plan's status (`applying`, `applied`, …); `applied` also stamps `applied_at`.
    /// - Parameters:
    ///   - status: The new status text.
    ///   - planID: The plan.
    /// - Throws: `PGError` when the update fails.
    public func setStatus(_ status: String, planID: Int64) throws {
        try connection.execute(
            """
            UPDATE backstop.plan SET status = \(status),
                   applied_at = CASE WHEN \(status) = 'applied' THEN now() ELSE applied_at END
             WHERE id = \(planID)
            """)
    }

    /// Records one batch's outcomes: applied steps with the version they left, conflicts without. Call it
    /// inside the batch's transaction, so the outcomes commit with the writes or not at all; a step that
    /// already has an outcome fails the batch, so no step is ever written twice.
    ///
    /// The applied steps whose written version is an `xmin` alone (most: the batch's transaction id, or an image
    /// step's planned product `xmin`) go into one `backstop.batch_outcome` row, their `seq` in an array; the
    /// others (conflicts, sequences, a chained row's whole version) get a `backstop.step_outcome` row each.
    /// `backstop.plan_step_outcome` reads both as one row per step. The batch row is inserted only when no
    /// recorded batch whose `seq` bounds overlap this one's holds one of its steps and no per-step row holds
    /// one of its applied steps (the per-step rows' primary key covers the rest).
    /// - Parameters:
    ///   - planID: The plan.
    ///   - applyRunID: The `apply` run writing the batch.
    ///   - batch: The batch number (continuing across resumed applies, see ``lastBatch(planID:)``).
    ///   - applied: Steps written, with the row version each left behind (`nil` for a sequence).
    ///   - conflicts: Steps whose row changed since planning: not written.
    /// - Throws: `PGError`, or ``StoreError`` when a step already has an outcome; the caller's transaction then
    ///   rolls the batch back whole.
    public func recordBatch(
        planID: Int64, applyRunID: Int64, batch: Int, applied: [(seq: Int, written: RowVersion?)], conflicts: [Int]
    ) throws {
        var seqs: [Int64] = []
        var xmins: [Int64] = []
        seqs.reserveCapacity(applied.count)
        xmins.reserveCapacity(applied.count)
        var single: [(seq: Int, outcome: StepOutcome, written: RowVersion?)] = conflicts.map {
            (seq: $0, outcome: StepOutcome.conflict, written: RowVersion?.none)
        }
        for step in applied {
            if let written = step.written, written.checksum.isEmpty {
                seqs.append(Int64(step.seq))
                xmins.append(written.xmin)
            } else {
                single.append((seq: step.seq, outcome: .applied, written: step.written))
            }
        }
        try appendOutcomes(single, planID: planID, applyRunID: applyRunID, batch: batch)
        let all = seqs + single.map { Int64($0.seq) }
        let (first, last) = (all.min() ?? 0, all.max() ?? 0)
        let taken = StoreError(
            .outcome, "plan \(planID): batch \(batch) holds steps (\(first)…\(last)) that already have an outcome")
        guard !seqs.isEmpty else {
            // Per-step rows only (a sequence, a batch of conflicts): their key covers them against each other,
            // this against the batches' arrays.
            guard !all.isEmpty else { return }
            let clash = try connection.execute(
                """
                SELECT EXISTS (SELECT 1 FROM backstop.batch_outcome b
                                WHERE b.plan_id = \(planID) AND b.first_seq <= \(last) AND b.last_seq >= \(first)
                                  AND b.applied && \(Self.integerArray(all))::int[])
                """)
            if clash.string(row: 0, column: 0) == "t" { throw taken }
            return
        }
        // One xmin for the whole batch when its steps share it (the usual case), else one per step.
        let shared: Int64? = xmins.allSatisfy { $0 == xmins[0] } ? xmins[0] : nil
        let perStep = shared == nil ? Self.integerArray(xmins) : nil
        let appliedText = Self.integerArray(seqs)
        let inserted = try connection.execute(
            """
            INSERT INTO backstop.batch_outcome (plan_id, batch, apply_run_id, first_seq, last_seq, applied, written_xmin,
                                                written_xmins)
            SELECT \(planID), \(batch), \(applyRunID), \(first), \(last), \(appliedText)::int[], \(shared),
                   \(perStep)::bigint[]
             WHERE NOT EXISTS (SELECT 1 FROM backstop.batch_outcome b
                                WHERE b.plan_id = \(planID) AND b.first_seq <= \(last) AND b.last_seq >= \(first)
                                  AND b.applied && \(Self.integerArray(all))::int[])
               AND NOT EXISTS (SELECT 1 FROM backstop.step_outcome o
                                WHERE o.plan_id = \(planID) AND o.seq BETWEEN \(first) AND \(last)
                                  AND o.seq = ANY(\(appliedText)::int[]))
            """)
        guard inserted.affectedRows == 1 else { throw taken }
    }

    /// Appends per-step outcome rows (`backstop.step_outcome`) with one COPY; nothing for none.
    func appendOutcomes(
        _ outcomes: [(seq: Int, outcome: StepOutcome, written: RowVersion?)], planID: Int64, applyRunID: Int64?,
        batch: Int?
    ) throws {
        try connection.copyIn(
            """
            COPY backstop.step_outcome (plan_id, seq, outcome, batch, apply_run_id, written_xmin, written_checksum)
            FROM STDIN
            """, rows: outcomes
        ) { o, buffer in
            // Field by field (an apply records a row per step: no array of strings per row).
            CopyText.appendInteger(planID, to: &buffer)
            CopyText.appendInteger(Int64(o.seq), after: true, to: &buffer)
            CopyText.appendText(o.outcome.rawValue, after: true, to: &buffer)
            CopyText.appendInteger(batch.map(Int64.init), after: true, to: &buffer)
            CopyText.appendInteger(applyRunID, after: true, to: &buffer)
            CopyText.appendInteger(o.written?.xmin, after: true, to: &buffer)
            CopyText.appendText(o.written.flatMap { $0.checksum.isEmpty ? nil : $0.checksum }, after: true, to: &buffer)
            CopyText.endRow(&buffer)
        }
    }

    /// The last batch number an apply of this plan committed (numbering continues across resumed applies).
    /// - Parameter planID: The plan.
    /// - Returns: The highest batch number, 0 before the first batch.
    /// - Throws: `PGError` when the query fails.
    public func lastBatch(planID: Int64) throws -> Int {
        let result = try connection.execute(
            """
            SELECT greatest(coalesce((SELECT max(batch) FROM backstop.step_outcome WHERE plan_id = \(planID)), 0),
                            coalesce((SELECT max(batch) FROM backstop.batch_outcome WHERE plan_id = \(planID)), 0))
            """)
        return try result.int(row: 0, column: 0)
    }

    /// Saves the apply's progress after a batch (same transaction as the batch): the `backstop.checkpoint`
    /// row of the plan's run, stage `apply:<plan id>`, holding the highest batch committed so far, its last
    /// step and the steps done by every apply of the plan (batches of parallel workers may commit out of
    /// order; the outcomes are the record, the checkpoint the summary).
    ///
    /// Does nothing for a plan that was never stored or has no run.
    /// - Parameters:
    ///   - plan: The stored plan.
    ///   - applyRunID: The `apply` run.
    ///   - batch: The batch just committed.
    ///   - lastSeq: Its highest step `seq`.
    ///   - steps: Steps the batch finished, added to `steps_done`.
    /// - Throws: `PGError` when the upsert fails.
    public func checkpoint(_ plan: MergePlan, applyRunID: Int64, batch: Int, lastSeq: Int, steps: Int) throws {
        guard let planID = plan.planID, let runID = plan.runID else { return }
        let position = try jsonText(
            ApplyCheckpoint(applyRun: applyRunID, batch: batch, lastSeq: lastSeq, plan: planID, stepsDone: steps))
        try connection.execute(
            """
            INSERT INTO backstop.checkpoint AS c (run_id, stage, position)
            VALUES (\(runID), \("apply:\(planID)"), \(PGJSON(position))::jsonb)
            ON CONFLICT (run_id, stage) DO UPDATE
               SET position = (CASE WHEN (c.position->>'batch')::int > \(batch) THEN c.position ELSE EXCLUDED.position END)
                              || jsonb_build_object('steps_done', coalesce((c.position->>'steps_done')::int, 0) + \(steps)),
                   updated_at = now()
            """)
    }

    /// Counts by outcome (`pending` for none) of a plan's steps: what `backstop apply` prints before and
    /// after it runs.
    /// - Parameter planID: The plan.
    /// - Returns: `applied`, `conflict`, `skipped`, `pending`, … → step count (absent outcomes are zero).
    /// - Throws: `PGError` when the query fails.
    public func progress(planID: Int64) throws -> [String: Int] {
        let result = try connection.execute(
            """
            SELECT coalesce(o.outcome, 'pending'), count(*)::int
              FROM backstop.plan_step s LEFT JOIN backstop.plan_step_outcome o ON o.plan_id = s.plan_id AND o.seq = s.seq
             WHERE s.plan_id = \(planID) GROUP BY 1
            """)
        return Dictionary(
            result.rows.compactMap { row in row[0].flatMap { k in row[1].flatMap { Int($0) }.map { (k, $0) } } },
            uniquingKeysWith: +)
    }

    /// The `summary` jsonb: steps per action, Bitrix-side and reported changes.
    static func summaryJSON(_ plan: MergePlan) throws -> String {
        var summary = Dictionary(uniqueKeysWithValues: plan.countsByAction.map { ($0.key.rawValue, $0.value) })
        summary["bitrix_changes"] = plan.bitrixChanges
        summary["reported"] = plan.reported
        summary["steps"] = plan.steps.count
        return try jsonText(summary)
    }

    /// Integers as a PostgreSQL array literal (`{1,2,3}`), bound untyped and cast in SQL: the digits go straight
    /// into one buffer, since a batch records thousands of steps.
    static func integerArray(_ values: [Int64]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(values.count * 8 + 2)
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            CopyText.appendInteger(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A PostgreSQL array literal of text (`{"a","b"}`), for COPY text format.
    static func arrayLiteral(_ items: [String]) -> String {
        "{"
            + items.map { item in
                "\"" + item.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            }.joined(separator: ",") + "}"
    }
}

/// The `position` jsonb of an apply's `backstop.checkpoint` row (``PlanStore/checkpoint(_:applyRunID:batch:lastSeq:steps:)``).
struct ApplyCheckpoint: Encodable {
    /// The `apply` run that committed the batch.
    var applyRun: Int64
    /// The highest batch committed so far.
    var batch: Int
    /// That batch's highest step `seq`.
    var lastSeq: Int
    /// The plan's id.
    var plan: Int64
    /// Steps finished by the batch (the upsert adds them to the stored count).
    var stepsDone: Int

    enum CodingKeys: String, CodingKey {
        case applyRun = "apply_run", batch, lastSeq = "last_seq", plan, stepsDone = "steps_done"
    }
}

/// One `backstop.plan_step` row as ``PlanStore/load(planID:)`` reads it: the step in its own shape, plus
/// its outcome and written version.
private struct StoredStepRow: Decodable {
    var step: PlanStep
    var outcome: StepOutcome?
    var written: RowVersion?

    enum Keys: String, CodingKey { case outcome, written }

    init(from decoder: any Decoder) throws {
        step = try PlanStep(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        outcome = try container.decodeIfPresent(StepOutcome.self, forKey: .outcome)
        written = try container.decodeIfPresent(RowVersion.self, forKey: .written)
    }
}
