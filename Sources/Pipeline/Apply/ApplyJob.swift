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
        let connection = try RunSession.connect(configuration, logger: logger)
        let store = PlanStore(connection: connection)
        let (plan, stored) = try loadPlan(store)
        let review = try self.review(plan, stored: stored, connection: connection)
        guard write else { return review.preview }
        if review.blocking.isEmpty, plan.writeCount > 0 { try Self.requireWritePrivilege(on: connection) }
        guard try RunLock.tryAcquire(shops: [plan.shopID], on: connection) else {
            let locked = RunSession.locked(shops: [plan.shopID], on: connection, logger: logger)
            return Result(status: .locked, plan: plan, text: locked.lockHolder ?? "another Backstop run holds the lock")
        }
        defer { RunLock.release(shops: [plan.shopID], on: connection) }
        let session = try begin(plan, on: connection)
        guard review.blocking.isEmpty else { return try refuse(review, session: session) }
        let runner = session.runner(stopping: stop, progress: progress)
        // A plan or merge error is shown as it is (earlier batches stay committed; the same command finishes
        // the plan); anything else as the failed apply run.
        return try session.guarding(
            report: { _, _ in nil }, formats: [],
            thrown: { cause, recorded in cause is PipelineError || cause is MergeError ? cause : recorded }
        ) {
            let stored = try storing(plan, stored, in: store, runID: session.run.id)
            let outcome = try runner.run(applyStage(connection, runID: session.run.id), stored)
            return try finish(outcome, plan: stored.plan, session: session, stop: stop)
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
