import BackstopExtract
public import BackstopMerge
public import BackstopModel
import BackstopPostgres
import BackstopReconcile
import BackstopStore
public import Foundation
public import Logging

/// `backstop apply`: loads a plan (a run's, or a `plan.json`), checks it with the safety valve, and either
/// prints what it would do or (with `--yes`) applies it under the run lock, recorded as an `apply` run.
public struct ApplyJob {
    /// Where the plan comes from.
    public enum Source: Sendable, Hashable {
        /// The plan a run made (`--run N`).
        case run(Int64)
        /// A `plan.json` (`--plan FILE`): the stored plan it came from when its steps are unchanged (so an
        /// interrupted apply resumes), else stored as a new plan.
        case file(URL)
    }

    /// Where the plan comes from.
    public var source: Source
    /// The configuration (flags applied): catalog, thresholds, batch size.
    public var configuration: BackstopConfiguration
    /// Write (`--yes`); otherwise only print.
    public var write: Bool
    /// Override the thresholds (`--force`); never partial input or another catalog.
    public var force: Bool
    /// Steps per batch; `nil` takes `merge.batch_size`.
    public var batchSize: Int?
    /// Writing connections; `nil` takes `merge.workers`.
    public var workers: Int?
    /// Steps listed per phase and action in the preview.
    public var listLimit: Int
    /// The command line, for the ledger.
    public var arguments: [String]
    /// Where the job logs.
    public var logger: Logger
    /// Backstop's version, for the ledger.
    public var version: String
    /// The run's stop switch (the CLI's, thrown by SIGTERM/SIGINT/SIGHUP): checked before each batch, and a
    /// signal cancels the batch in flight (rolled back whole); `nil` makes one that never stops.
    public var stopSwitch: StopSwitch?
    /// Where the apply reports the batches written (the CLI's bar); ignored by default.
    public var progress: ProgressReporter = .ignored

    /// `backstop apply` ready to run; nothing is read or connected until `run()`.
    /// - Parameters:
    ///   - source: The run whose stored plan to apply, or a `plan.json`.
    ///   - configuration: The configuration with the flags applied.
    ///   - write: `--yes`: write; otherwise print the plan.
    ///   - force: `--force`: override the share thresholds only.
    ///   - batchSize: Steps per batch; `nil` takes `merge.batch_size`.
    ///   - workers: Writing connections; `nil` takes `merge.workers`.
    ///   - listLimit: Steps listed per phase and action when printing.
    ///   - arguments: The command line, recorded redacted.
    ///   - logger: Where the job logs.
    ///   - version: Backstop's version.
    public init(
        source: Source, configuration: BackstopConfiguration, write: Bool, force: Bool, batchSize: Int? = nil,
        workers: Int? = nil, listLimit: Int = 20, arguments: [String], logger: Logger, version: String
    ) {
        self.workers = workers
        self.source = source
        self.configuration = configuration
        self.write = write
        self.force = force
        self.batchSize = batchSize
        self.listLimit = listLimit
        self.arguments = arguments
        self.logger = logger
        self.version = version
    }

    /// How an apply ended.
    public struct Result: Sendable {
        /// The exit status: clean (done), drift (done, some steps conflicted), refused, locked.
        public var status: ExitStatus
        /// The plan.
        public var plan: MergePlan?
        /// The apply run (when it wrote, or was refused while asked to write).
        public var run: RunRecord?
        /// Why the safety valve refused, when it did.
        public var refusals: [SafetyValve.Refusal] = []
        /// What the apply did.
        public var outcome: ApplyOutcome?
        /// What to show: the listing, or the outcome with its conflicts.
        public var text: String
    }

    /// Runs the job.
    ///
    /// - Throws: ``PipelineError`` when the plan cannot be read or a batch fails (earlier batches stay
    ///   committed; the same command finishes the plan); `StoreError` or `PGError` when Backstop's schema
    ///   is missing or not current.
    public func run() throws -> Result {
        let stop = stopSwitch ?? StopSwitch()
        let schema = try BackstopSchema.locate()
        let connection = try CatalogInput.connect(configuration, logger: logger)
        try schema.requireCurrent(on: connection)
        let store = PlanStore(connection: connection)
        var (plan, stored) = try loadPlan(store)
        let fingerprint = try CatalogReader(connection: connection, logger: logger).fingerprint()
        let valve = SafetyValve(
            maxSoftDeleteShare: configuration.merge.maxSoftDeleteShare,
            maxUpdateShare: configuration.merge.maxUpdateShare)
        let all =
            try integrityRefusals(plan, ledger: RunLedger(connection: connection))
            + valve.check(plan, fingerprint: fingerprint)
        let blocking = all.filter { !(force && $0.isOverridable) }
        let forced = all.filter { force && $0.isOverridable }
        let listing = PlanPreview.listing(
            plan, outcomes: stored?.outcomes ?? [:], refusals: blocking, forced: forced, limit: listLimit)

        guard write else {
            let verdict =
                blocking.isEmpty ? "nothing written: add --yes to apply" : "nothing written: the apply would be refused"
            return Result(
                status: blocking.isEmpty ? .clean : .refused, plan: plan, refusals: blocking,
                text: listing + "\n\n" + verdict)
        }
        if blocking.isEmpty, plan.writeCount > 0, let missing = try Self.missingWritePrivilege(on: connection) {
            throw PipelineError(
                .runFailed,
                "nothing written: the role \(missing.role) may not write the catalog (no \(missing.privilege) on "
                    + "\(missing.table)); apply needs the backstop_writer role (sql/roles.sql)")
        }
        guard try RunLock.tryAcquire(shops: [plan.shopID], on: connection) else {
            let locked = RunJob.locked(shops: [plan.shopID], on: connection, logger: logger)
            return Result(status: .locked, plan: plan, text: locked.lockHolder ?? "another Backstop run holds the lock")
        }
        defer { RunLock.release(shops: [plan.shopID], on: connection) }
        let session = try RunSession(
            kind: "apply", dryRun: false,
            inputs: [
                "catalog": connection.endpoint, "plan": plan.planID.map(String.init) ?? "new", "source": sourceLabel,
                "shop_id": String(plan.shopID),
            ], arguments: arguments, version: version, connection: connection, configuration: configuration,
            logger: logger, reportDirectory: { _ in nil })
        guard blocking.isEmpty else {
            for refusal in blocking {
                logger.error(
                    "apply refused",
                    metadata: ["refusal.code": "\(refusal.code.rawValue)", "refusal": "\(refusal.message)"])
            }
            try session.finish(
                .refused, findings: nil, counts: ["steps": plan.writeCount], partial: false,
                error: blocking.map(\.description).joined(separator: "; "))
            return Result(
                status: .refused, plan: plan, run: session.run, refusals: blocking,
                text: listing + "\n\nrefused: nothing written")
        }
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        runner.progress = progress
        runner.cancel = connection.canceller()
        runner.isCancellation = { _ in stop.isSignalled && !connection.isBroken }
        runner.afterStop = { connection.rollbackIfInTransaction() }
        do {
            if stored == nil {
                plan.planID = nil
                let saved = try store.save(plan, runID: session.run.id, source: sourceLabel)
                stored = try saved.planID.flatMap { try store.load(planID: $0) }
            }
            guard let stored else { throw PipelineError(.plan, "the plan could not be stored") }
            plan = stored.plan
            guard let outcome = try runner.run(applyStage(connection, runID: session.run.id), stored) else {
                // The signal cancelled the batch in flight: it was rolled back whole, the ones before it stay.
                let status = stop.stoppedStatus
                let reason = stop.reached(" during a batch (rolled back whole); the same apply finishes the plan")
                try session.finish(status, findings: nil, partial: false, error: reason, signal: stop.signalNumber)
                return Result(status: status, plan: plan, run: session.run, text: "stopped: \(reason)")
            }
            let status: ExitStatus =
                outcome.stopped ? stop.stoppedStatus : outcome.conflicts.isEmpty ? .clean : .drift
            let stopReason = outcome.stopped ? stop.reached(" between batches; the same apply finishes the plan") : nil
            try session.finish(
                status, findings: nil,
                counts: [
                    "applied": outcome.applied, "conflicts": outcome.conflicts.count, "skipped": outcome.skipped,
                    "already_done": outcome.alreadyDone, "batches": outcome.batches, "rows": outcome.rowsWritten,
                ], partial: false, error: stopReason, signal: outcome.stopped ? stop.signalNumber : nil)
            var text = "plan \(plan.planID.map(String.init) ?? "-"): " + PlanPreview.summary(outcome)
            if let stopReason { text += "\nstopped: \(stopReason)" }
            if !outcome.conflicts.isEmpty {
                text += "\nnot written, the row changed since the plan was made (the newer write is kept):"
                for step in outcome.conflicts.prefix(listLimit * 5) { text += "\n  conflict " + PlanPreview.line(step) }
                if outcome.conflicts.count > listLimit * 5 {
                    text += "\n  … and \(outcome.conflicts.count - listLimit * 5) more"
                }
            }
            return Result(status: status, plan: plan, run: session.run, outcome: outcome, text: text)
        } catch {
            let failed = session.fail(error, report: { _, _ in nil }, formats: [])
            let cause = (error as? StageFailure)?.underlyingError ?? error
            throw cause is PipelineError || cause is MergeError ? cause : failed.error
        }
    }

    /// The `apply` stage: the stored plan written in batches by the ``PlanApplier``; the run's switch stops it
    /// between batches (the outcome then says `stopped`).
    func applyStage(_ connection: PGConnection, runID: Int64) -> Stage<StoredPlan, ApplyOutcome, any Error> {
        Stage("apply") { stored, context in
            var applier = PlanApplier(
                connection: connection, batchSize: batchSize ?? configuration.merge.batchSize,
                workers: workers ?? configuration.merge.workers,
                lockTimeoutSeconds: configuration.merge.lockTimeoutSeconds, logger: logger)
            applier.stop = context.stopSwitch
            applier.progress = context.progress
            let outcome = try applier.apply(stored, applyRunID: runID)
            return StageOutput(outcome, summary: PlanPreview.summary(outcome))
        }
    }

    /// The refusals no flag overrides that the ledger decides: the plan's run must be in this catalog's
    /// ledger and complete (`RunStatus/isComplete`); a failed, stopped, abandoned, timed-out, partial or
    /// still running run's plan may lack steps or rest on half-read input.
    func integrityRefusals(_ plan: MergePlan, ledger: RunLedger) throws -> [SafetyValve.Refusal] {
        let runID: Int64? =
            switch source {
            case .run(let id): id
            case .file: plan.runID
            }
        guard let runID else {
            return [.init(.incompleteRun, "the plan names no run, so nothing tells that it came from a complete run")]
        }
        guard let record = try ledger.run(id: runID) else {
            return [.init(.incompleteRun, "run \(runID), which made the plan, is not in this catalog's run ledger")]
        }
        guard record.status.isComplete else {
            let why = record.error.map { ": \(Redaction.redact($0))" } ?? ""
            return [
                .init(
                    .incompleteRun,
                    "run \(runID), which made the plan, is \(record.status.rawValue)\(why); only the plan of a complete run "
                        + "(succeeded, drift or refused) is applied: run it again")
            ]
        }
        return []
    }

    /// The first write privilege on the upstream tables a plan writes that this session's role lacks
    /// (a reader role, sql/roles.sql), so the apply refuses before its first batch rather than failing in it.
    static func missingWritePrivilege(on connection: PGConnection) throws -> (
        role: String, table: String, privilege: String
    )? {
        let result = try connection.execute(
            """
            SELECT current_user, t, p
              FROM (VALUES ('product', 'INSERT'), ('product', 'UPDATE'), ('productimage', 'INSERT'),
                           ('productimage', 'UPDATE'), ('productimage', 'DELETE'), ('"order"', 'UPDATE'),
                           ('orderhistory', 'INSERT')) AS v(t, p)
             WHERE to_regclass(t) IS NOT NULL AND NOT has_table_privilege(t, p)
             LIMIT 1
            """)
        guard result.rowCount == 1 else { return nil }
        return (
            result.string(row: 0, column: 0) ?? "?", result.string(row: 0, column: 1) ?? "?",
            result.string(row: 0, column: 2) ?? "?"
        )
    }

    /// The source as the run record shows it.
    var sourceLabel: String {
        switch source {
        case .run(let id): "run \(id)"
        case .file(let url): url.path
        }
    }

    /// The plan to apply and, when it is in the store, its stored state.
    func loadPlan(_ store: PlanStore) throws -> (MergePlan, StoredPlan?) {
        switch source {
        case .run(let runID):
            guard let planID = try store.planID(ofRun: runID), let stored = try store.load(planID: planID) else {
                throw PipelineError(
                    .plan, "run \(runID) has no merge plan (nightly and diff runs make one; see backstop runs)")
            }
            return (stored.plan, stored)
        case .file(let url):
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw PipelineError(.io, "cannot read the plan \(url.path): \(error.localizedDescription)")
            }
            let plan: MergePlan
            do {
                plan = try MergePlan(json: data)
            } catch {
                throw PipelineError(.plan, "\(url.path) is not a plan.json this build reads: \(error)")
            }
            let stored = try store.matching(plan)
            return (stored?.plan ?? plan, stored)
        }
    }
}

/// The run's switch stops an apply between batches and cancels the batches in flight.
extension StopSwitch: ApplyStop {}
