public import BackstopModel
public import BackstopPostgres
public import BackstopStore
import Foundation
public import Logging

/// What an apply did.
public struct ApplyOutcome: Sendable {
    /// Steps written by this apply.
    public var applied = 0
    /// Steps not written because their row changed since the plan was made (a webhook wrote it), or an
    /// insert's id appeared meanwhile: the concurrent write is kept, never overwritten.
    public var conflicts: [PlanStep] = []
    /// Steps the plan itself skips (a reason each).
    public var skipped = 0
    /// Steps an earlier apply of this plan already finished (a resumed apply does not repeat them).
    public var alreadyDone = 0
    /// Batches committed by this apply.
    public var batches = 0
    /// Catalog rows this apply inserted, updated or deleted (products, image rows, orders, history rows).
    public var rowsWritten = 0
    /// Seconds spent writing (for the throughput in logs and benchmarks, never compared by tests).
    public var seconds = 0.0
    /// Whether the run's switch (a signal) stopped the apply between batches: the plan stays `applying`, and
    /// the same apply again finishes it.
    public var stopped = false

    /// An outcome with nothing done yet; the applier adds to it batch by batch.
    public init() {}
}

/// Applies a stored plan's pending steps to the catalog: batches of consecutive steps of one phase and
/// action, each staged with COPY into a temporary table and written with one set-based statement, in one
/// transaction per batch together with the steps' outcomes and the checkpoint. A step writes only if its
/// row still has the version the plan saw (or the version an earlier step of this plan left); otherwise
/// it is a conflict and the row is left as it is. Killed at any point, an apply leaves whole batches only,
/// and the same call again finishes the plan without repeating a step.
///
/// With more than one worker, consecutive batches that touch distinct rows (a wave, ``waves(_:chained:)``) run in
/// parallel on their own connections; a batch that writes a row an earlier batch of the wave writes starts a
/// new wave, which starts when the wave before is done, so each row's steps still go in plan order.
///
/// Writes look like the webhook's: kopecks, enum NAMES, `updated_at = now()`, type FLOWERS and `[]`
/// lists on insert, image rows `order` = position and `is_primary` = first, history rows with lowercase
/// values. They are tagged: `changed_by = 'backstop'` in `orderhistory`, `application_name =
/// 'backstop-apply'`, the transaction setting `backstop.apply`, and each applied step's written row
/// version in `backstop.plan_step_outcome` (view `backstop.applied_write`).
public struct PlanApplier {
    /// The connection that writes (it should hold the run lock).
    public let connection: PGConnection
    /// Steps per batch (one transaction, one COPY).
    public var batchSize: Int
    /// Connections writing batches of one kind at once (1: this connection only).
    public var workers: Int
    /// How long a batch waits for a row lock before it fails (rolled back whole), in seconds.
    public var lockTimeoutSeconds: Int
    /// Where the batches are logged.
    public var logger: Logger
    /// The run's stop switch, checked before each batch (a safe point); `nil`: never stopped early.
    public var stop: (any ApplyStop)?
    /// Where the batches written so far are reported (`apply`); ignored by default.
    public var progress: ProgressReporter = .ignored

    /// An applier writing through `connection`; values below 1 are raised to 1.
    /// - Parameters:
    ///   - connection: The writing connection; it should hold the run lock of the plan's shop.
    ///   - batchSize: Steps per batch (`merge.batch_size`, 5000 by default in the configuration).
    ///   - workers: Connections writing one wave at once; extra ones are siblings of `connection`.
    ///   - lockTimeoutSeconds: How long a batch waits for a row lock before it fails and rolls back whole.
    ///   - logger: Where each committed batch is logged (`apply.batch`, `apply.applied`, timings).
    public init(
        connection: PGConnection, batchSize: Int, workers: Int = 1, lockTimeoutSeconds: Int = 30, logger: Logger
    ) {
        self.connection = connection
        self.batchSize = max(1, batchSize)
        self.workers = max(1, workers)
        self.lockTimeoutSeconds = max(1, lockTimeoutSeconds)
        self.logger = logger
    }

    /// Applies `stored`'s pending steps as run `applyRunID`.
    ///
    /// Pending means: not a `skip` and without an outcome in `backstop.plan_step_outcome`, so a resumed apply
    /// picks up exactly where the last committed batch ended; batch numbers continue from the last one.
    /// Steps that touch a row more than once in the plan are *chained*: each later step checks the version
    /// the earlier step left, not the one the plan saw. The stop switch is checked before each wave and
    /// between batches; a stopped apply returns with `stopped` set and the plan still `applying`, a finished
    /// one marks the plan `applied`.
    ///
    /// ```swift
    /// guard let stored = try PlanStore(connection: connection).load(planID: 7) else { return }
    /// let applier = PlanApplier(connection: connection, batchSize: 5000, workers: 2, logger: logger)
    /// let outcome = try applier.apply(stored, applyRunID: run.id)
    /// // outcome.applied, outcome.conflicts (rows a webhook wrote meanwhile), outcome.stopped
    /// ```
    /// - Parameters:
    ///   - stored: The plan with the outcomes recorded so far.
    ///   - applyRunID: The ledger run doing the apply (recorded with each outcome).
    /// - Returns: What this apply did; the earlier applies' steps count in `alreadyDone`.
    /// - Throws: ``MergeError`` naming the batch when one fails; that batch is rolled back whole and
    ///   every other one stays committed (run the same apply again to finish).
    public func apply(_ stored: StoredPlan, applyRunID: Int64) throws -> ApplyOutcome {
        let plan = stored.plan
        guard let planID = plan.planID else { throw MergeError(.plan, "the plan has not been stored") }
        let store = PlanStore(connection: connection)
        var outcome = ApplyOutcome()
        // The steps are read in place, by index, never copied one by one: a plan has hundreds of thousands, and
        // this work comes before the first batch, with the server idle.
        let all = plan.steps
        outcome.skipped = all.count { $0.action == .skip }
        outcome.alreadyDone = stored.outcomes.values.count { $0.outcome != .skipped }
        // The version each row was left in by this plan's applied steps: a later step on the same row expects it.
        var written: [RowKey: RowVersion] = [:]
        if !stored.outcomes.isEmpty {
            for i in all.indices {
                if let state = stored.outcomes[all[i].seq], state.outcome == .applied, let version = state.written {
                    written[RowKey(all[i])] = version
                }
            }
        }
        let isPending = { (step: PlanStep) in step.action != .skip && stored.outcomes[step.seq] == nil }
        guard all.contains(where: isPending) else {
            if stored.status != "applied" { try store.setStatus("applied", planID: planID) }
            return outcome
        }
        try prepareSession()
        try store.setStatus("applying", planID: planID)
        let firstBatch = try store.lastBatch(planID: planID) + 1
        // Rows with more than one writing step: their full version is read after each step, for the next one.
        var stepsPerRow: [RowKey: Int] = [:]
        stepsPerRow.reserveCapacity(all.count)
        for i in all.indices where all[i].action != .skip { stepsPerRow[RowKey(all[i]), default: 0] += 1 }
        let chained = Set(stepsPerRow.lazy.filter { $0.value > 1 }.map(\.key))
        let started = DispatchTime.now().uptimeNanoseconds
        let numbered = Self.batches(all, size: batchSize, where: isPending).enumerated().map {
            NumberedBatch(number: firstBatch + $0.offset, batch: $0.element)
        }
        var pool = try WorkerPool(applier: self, size: 1)
        let bar = progress.start("apply", total: Int64(numbered.count), unit: .items("batches"))
        defer { bar.finish() }
        for wave in Self.waves(numbered, chained: chained) {
            if stop?.safePoint("apply.batch") == true { break }
            if workers > 1 && wave.count > 1 && pool.size < min(workers, wave.count) {
                pool = try WorkerPool(applier: self, size: min(workers, wave.count))
            }
            let context = BatchContext(
                plan: plan, planID: planID, applyRunID: applyRunID, written: written, chained: chained)
            let results = try pool.run(wave, context: context)
            for (item, result) in zip(wave, results) {
                outcome.batches += 1
                outcome.applied += result.applied.count
                outcome.rowsWritten += result.rows
                // Only chained rows and conflicts need their steps looked up (most batches have neither).
                guard !chained.isEmpty || !result.conflicts.isEmpty else { continue }
                let steps = item.batch.steps
                let position = Dictionary(steps.indices.map { (steps[$0].seq, $0) }, uniquingKeysWith: { a, _ in a })
                for (seq, version) in result.applied {
                    if let i = position[seq], let version, chained.contains(RowKey(steps[i])) {
                        written[RowKey(steps[i])] = version
                    }
                }
                outcome.conflicts.append(contentsOf: result.conflicts.compactMap { position[$0].map { steps[$0] } })
            }
            bar.update(Int64(outcome.batches))
        }
        outcome.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if outcome.batches < numbered.count {
            outcome.stopped = true
            return outcome
        }
        try store.setStatus("applied", planID: planID)
        return outcome
    }

    /// What every batch of one apply shares (read-only while a wave runs).
    struct BatchContext: Sendable {
        /// The plan (its shop scopes every write).
        var plan: MergePlan
        /// The stored plan's id.
        var planID: Int64
        /// The run applying it.
        var applyRunID: Int64
        /// The version each chained row was left at by an earlier step (this apply's or a previous one's).
        var written: [RowKey: RowVersion]
        /// The rows that more than one step of the plan touches.
        var chained: Set<RowKey>
    }

    /// A batch with its number in the plan's apply (numbers continue across resumed applies).
    struct NumberedBatch: Sendable {
        /// The batch's number, recorded with its outcomes and in the checkpoint.
        var number: Int
        /// The steps.
        var batch: Batch
    }

    /// Runs one batch in its own transaction on this applier's connection: the tag and planner settings,
    /// the writes, the steps' outcomes and the checkpoint, committed together or not at all.
    ///
    /// The transaction tags its writes (`backstop.apply`), turns off hash and merge joins and JIT for its
    /// statements (small batches against big tables without statistics) and sets `lock_timeout`; a chained
    /// step's expected version is replaced by the version its row was left at.
    /// - Parameters:
    ///   - item: The numbered batch.
    ///   - context: What every batch of the apply shares.
    /// - Returns: The applied steps with the versions they left, the conflicts and the rows written.
    /// - Throws: ``MergeError`` naming the plan, the batch, its kind and step range; the batch is rolled
    ///   back whole.
    func applyBatch(_ item: NumberedBatch, context: BatchContext) throws -> BatchResult {
        let (batch, number) = (item.batch, item.number)
        let store = PlanStore(connection: connection)
        let batchStarted = DispatchTime.now().uptimeNanoseconds
        var writeMilliseconds: UInt64 = 0
        let result: BatchResult
        do {
            result = try connection.transaction { connection -> BatchResult in
                // The tag of this transaction's writes; index nested loops for every join (a batch is small beside
                // the catalog and the staging tables have no statistics: the planner would otherwise hash whole
                // tables, computing every row's checksum, once per batch); and no JIT, whose compile time, set off
                // by those missing statistics, cost more than the statements themselves.
                // No materialised or bitmap inner sides either: the staging tables hold earlier batches' rows too,
                // and without statistics `batch = n` is estimated at a few rows, for which the planner would
                // rescan one staged table per row of the other (quadratic: 15 s instead of 35 ms for 5000 image
                // steps); without them each staged row is found through its (batch, …) index.
                // The same round trip reads the transaction's id: the `xmin` every row it writes will carry.
                let xid =
                    try connection.execute(
                        """
                        SELECT (txid_current() % 4294967296)::bigint,
                               set_config('backstop.apply', \("plan \(context.planID) batch \(number) run \(context.applyRunID)"), true),
                               set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
                               set_config('enable_material', 'off', true), set_config('enable_bitmapscan', 'off', true),
                               set_config('jit', 'off', true),
                               set_config('lock_timeout', \("\(lockTimeoutSeconds)s"), true)
                        """
                    ).string(row: 0, column: 0).flatMap { Int64($0) } ?? 0
                var steps = batch.steps
                if !context.written.isEmpty {
                    for i in steps.indices where steps[i].version != nil {
                        if let version = context.written[RowKey(steps[i])] { steps[i].version = version }
                    }
                }
                let writeStarted = DispatchTime.now().uptimeNanoseconds
                let result = try write(
                    batch.kind, steps: steps, shopID: context.plan.shopID, chained: context.chained, xid: xid,
                    batch: number)
                writeMilliseconds = (DispatchTime.now().uptimeNanoseconds - writeStarted) / 1_000_000
                try store.recordBatch(
                    planID: context.planID, applyRunID: context.applyRunID, batch: number,
                    applied: result.applied.map { (seq: $0.key, written: $0.value) }, conflicts: result.conflicts)
                try store.checkpoint(
                    context.plan, applyRunID: context.applyRunID, batch: number, lastSeq: steps.last?.seq ?? 0,
                    steps: steps.count)
                return result
            }
        } catch {
            throw MergeError(
                .plan,
                "plan \(context.planID): batch \(number) (\(batch.kind.rawValue), steps \(batch.steps.first?.seq ?? 0)…\(batch.steps.last?.seq ?? 0)) "
                    + "failed and was rolled back whole; every batch committed before stays. "
                    + "Run the same apply again to finish the plan. \(error)")
        }
        logger.info(
            "apply batch committed",
            metadata: [
                "plan.id": "\(context.planID)", "apply.batch": "\(number)", "apply.kind": "\(batch.kind.rawValue)",
                "apply.applied": "\(result.applied.count)", "apply.conflicts": "\(result.conflicts.count)",
                "apply.write_ms": "\(writeMilliseconds)",
                "apply.batch_ms": "\((DispatchTime.now().uptimeNanoseconds - batchStarted) / 1_000_000)",
            ])
        return result
    }

    /// Consecutive batches that may run at once: a wave's batches write distinct rows, so none of them waits
    /// for another's row locks or needs the version another leaves. A batch joins the wave before it unless
    /// it writes a chained row (one the plan writes more than once) that a batch of that wave writes: then its
    /// step checks the version the earlier step leaves, known once the wave is done. A sequence batch is
    /// always a wave of its own. Without chained rows a plan is one wave (and a sequence's), so the workers
    /// never wait for each other's last batch of a kind (on two cores that idled a worker for about half a
    /// batch at each of five kind boundaries, some 10 % of the apply).
    /// - Parameters:
    ///   - batches: The numbered batches in plan order.
    ///   - chained: The rows the plan writes more than once.
    /// - Returns: The waves, in order.
    static func waves(_ batches: [NumberedBatch], chained: Set<RowKey> = []) -> [[NumberedBatch]] {
        var out: [[NumberedBatch]] = []
        // The chained rows the current wave writes.
        var touched: Set<RowKey> = []
        for item in batches {
            let rows = chained.isEmpty ? [] : item.batch.steps.map(RowKey.init).filter(chained.contains)
            if let last = out.last?.last, last.batch.kind != .sequence, item.batch.kind != .sequence,
                !rows.contains(where: touched.contains)
            {
                out[out.count - 1].append(item)
            } else {
                out.append([item])
                touched = []
            }
            touched.formUnion(rows)
        }
        return out
    }

    /// The session settings of a writing connection: its name in `pg_stat_activity` and server logs, and a
    /// check that ends the server side promptly when the client is gone (PostgreSQL ≥ 14), so a killed
    /// apply releases its locks and the run lock without waiting for its next write.
    /// - Throws: `PGError`.
    func prepareSession() throws {
        try connection.execute("SELECT set_config('application_name', 'backstop-apply', false)")
        if connection.serverVersionNumber >= 140_000 {
            try connection.execute("SELECT set_config('client_connection_check_interval', '1000', false)")
        }
        try createStageTables()
    }

    /// The row a step's version belongs to: a product's image rows share the product's version. A value
    /// rather than a string, so that keying every step of a large plan allocates nothing.
    enum RowKey: Hashable, Sendable {
        /// `product` `id` (also its image rows).
        case product(Int64)
        /// `"order"` `id`.
        case order(Int64)
        /// Any other entity, by its key.
        case other(entity: String, key: String)

        /// The row `step` writes.
        /// - Parameter step: A plan step.
        init(_ step: PlanStep) {
            switch step.entity {
            case "product", "productimage": self = .product(step.target ?? 0)
            case "order": self = .order(step.target ?? 0)
            default: self = .other(entity: step.entity, key: step.key)
            }
        }
    }

    /// Consecutive pending steps of one kind, at most `size` each (plan order is dependency order, so a
    /// batch never mixes kinds and never reorders steps). Steps of no batch kind are left out.
    /// - Parameters:
    ///   - steps: The plan's steps in plan order.
    ///   - size: The batch size.
    ///   - isPending: Whether a step is still to be written (the others are left out).
    /// - Returns: The batches.
    static func batches(_ steps: [PlanStep], size: Int, where isPending: (PlanStep) -> Bool = { _ in true })
        -> [Batch]
    {
        var out: [Batch] = []
        for i in steps.indices where isPending(steps[i]) {
            guard let kind = BatchKind(steps[i]) else { continue }
            if let last = out.last, last.kind == kind, last.steps.count < size, kind != .sequence {
                out[out.count - 1].steps.append(steps[i])
            } else {
                var batch = Batch(kind: kind, steps: [])
                batch.steps.reserveCapacity(kind == .sequence ? 1 : size)
                batch.steps.append(steps[i])
                out.append(batch)
            }
        }
        return out
    }

    /// Steps that go through one statement shape.
    struct Batch {
        /// The statement shape all its steps take.
        var kind: BatchKind
        /// The steps, in plan order.
        var steps: [PlanStep]
    }

    /// The statement shape a step takes.
    enum BatchKind: String {
        /// New products with their preserved ids (and their image rows).
        case productInsert = "product insert"
        /// Named-column updates and soft deletes of products.
        case productUpdate = "product update"
        /// A product's image rows rewritten or inserted.
        case productImages = "product images"
        /// An order's status and its `orderhistory` row.
        case orderStatus = "order status"
        /// `"order".bitrix_order_id` back-filled.
        case orderLink = "order link"
        /// The product id sequence advanced (one step per batch).
        case sequence = "sequence"

        /// The shape of `step`, or `nil` for a step no batch writes (reports, Bitrix-side changes, skips).
        /// - Parameter step: A plan step.
        init?(_ step: PlanStep) {
            switch (step.entity, step.action) {
            case ("product", .insert): self = .productInsert
            case ("product", .update), ("product", .softDelete): self = .productUpdate
            case ("productimage", .update), ("productimage", .insertImages): self = .productImages
            case ("order", .updateStatus): self = .orderStatus
            case ("order", .backfillLink): self = .orderLink
            case ("sequence", .advanceSequence): self = .sequence
            default: return nil
            }
        }
    }

    /// What one batch wrote.
    struct BatchResult {
        /// Applied step `seq` → the row version it left (nil for a sequence).
        var applied: [Int: RowVersion?] = [:]
        /// Steps not applied (the row's version changed, or the id exists).
        var conflicts: [Int] = []
        /// Catalog rows written.
        var rows = 0
    }
}
