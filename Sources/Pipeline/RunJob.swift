import BackstopExtract
import BackstopMerge
import BackstopIndex
public import BackstopModel
import BackstopPostgres
import BackstopReconcile
public import BackstopReport
import BackstopStore
public import Foundation
public import Logging

/// The nightly (and `diff`) job: Extract → Reconcile → Index → Report, recorded in backstop.run.
/// The only composition point of the stages; each stage is a library call.
///
/// The job holds the run lock of its shop for its whole length, records its run in the ledger before any
/// stage starts (so even a crash leaves a row that the next run marks `abandoned`), and ends every run in
/// the ledger with a report: completed, stopped (time limit, signal: partial but valid) or failed (the
/// report names the failed stage). It prints nothing; the CLI renders the ``RunResult``.
///
/// ```swift
/// var job = RunJob(
///     kind: "nightly", configuration: configuration, allowPartial: false,
///     formats: [HTMLReportFormat(), MarkdownReportFormat(), JSONReportFormat()],
///     arguments: CommandLine.arguments, logger: logger, version: "0.3.0", maxSeconds: 3600)
/// job.stopSwitch = stopSwitch  // SIGTERM/SIGINT/SIGHUP stop the run at a safe point
/// let result = try job.run()   // result.status: clean 0, drift 2, partial 3, refused 4, …
/// ```
public struct RunJob {
    /// The run kind recorded in the ledger and used in the report folder's name (`nightly`, `diff`).
    public var kind: String
    /// The configuration (flags already applied).
    public var configuration: BackstopConfiguration
    /// Whether a truncated dump is read as far as it goes (the run is then partial) instead of failing.
    public var allowPartial: Bool
    /// The report formats to write.
    public var formats: [any ReportFormat]
    /// The command line, for the ledger.
    public var arguments: [String]
    /// Where the job logs.
    public var logger: Logger
    /// Backstop's version, for the ledger.
    public var version: String
    /// Write the reports into exactly this folder (`--out`) instead of `<report dir>/<run>-<kind>/`.
    public var outputDirectory: URL?
    /// Apply the run's merge plan in the same run (`nightly --apply`); `nil` only plans.
    public var apply: ApplySettings?
    /// The time limit (`--max-seconds`): past it the run stops with a partial but valid report.
    public var maxSeconds: Double?
    /// Inputs a fleet run read once for all its shops (``FleetJob``); `nil` reads them here.
    var shared: FleetJob.Shared?
    /// The run's stop switch (the CLI's, thrown by SIGTERM/SIGINT/SIGHUP); `nil` makes one from
    /// ``maxSeconds``.
    public var stopSwitch: StopSwitch?
    /// Where the stages report progress (the CLI's bar); ignored by default.
    public var progress: ProgressReporter = .ignored

    /// The reconciliation's configuration, from Backstop's: this run's shop, attributed within the fleet.
    /// - Parameter sellers: The Bitrix sellers that are catalog shops of the fleet, so a finding about
    ///   another migrated seller's row is attributed to that shop, not to this run's.
    /// - Returns: The configuration `Reconciler` runs with.
    func reconcileConfiguration(sellers: [Int64]) -> ReconcileConfiguration {
        var reconcile = ReconcileConfiguration(shopID: configuration.shopID, webhookShopID: configuration.webhookShopID)
        reconcile.shops = [configuration.runShopID]
        reconcile.sellerShops = Set(sellers)
        return reconcile
    }

    /// A job ready to run; nothing is read or connected until ``run()``.
    /// - Parameters:
    ///   - kind: `nightly` (with the index stage) or `diff` (without).
    ///   - configuration: The configuration with the flags applied.
    ///   - allowPartial: Read a truncated dump as far as it goes (the run is then `partial`, exit 3).
    ///   - formats: The report formats to write.
    ///   - arguments: The command line, recorded redacted in the ledger.
    ///   - logger: Where the job logs (the stages log through it too).
    ///   - version: Backstop's version, for the ledger and the report's generator.
    ///   - outputDirectory: `--out`: write the reports exactly here.
    ///   - apply: `--apply`: apply the run's merge plan in the same run.
    ///   - maxSeconds: `--max-seconds`: the time limit, when ``stopSwitch`` is not given.
    public init(
        kind: String, configuration: BackstopConfiguration, allowPartial: Bool, formats: [any ReportFormat],
        arguments: [String], logger: Logger, version: String, outputDirectory: URL? = nil, apply: ApplySettings? = nil,
        maxSeconds: Double? = nil
    ) {
        self.outputDirectory = outputDirectory
        self.maxSeconds = maxSeconds
        self.apply = apply
        self.kind = kind
        self.configuration = configuration
        self.allowPartial = allowPartial
        self.formats = formats
        self.arguments = arguments
        self.logger = logger
        self.version = version
    }

    /// Runs the job and returns how it ended (the exit status for the scheduler, the run and its report):
    /// extract.catalog → extract.dump → reconcile → plan → index (nightly) → apply (`--apply`), on one
    /// ``StageRunner``, then the ledger and the report. With more than one read thread the dump is read
    /// while the catalog is (``OverlappedDumpRead``); the stages are still recorded in that order.
    ///
    /// - Throws: ``PipelineError`` when the catalog is unreachable or the run fails (the failed run is
    ///   recorded and its report written first; ``PipelineError/underlyingError`` is the stage's error);
    ///   `StoreError` or `PGError` when Backstop's schema is missing or not current.
    public func run() throws -> RunResult {
        let stop = stopSwitch ?? StopSwitch(deadline: Deadline(seconds: maxSeconds))
        let schema = try BackstopSchema.locate()
        _ = try mergePolicy()
        let connection = try shared?.connection ?? CatalogInput.connect(configuration, logger: logger)
        if shared == nil, let held = try prepare(connection, schema: schema) { return held }
        defer { if shared == nil { RunLock.release(shops: [configuration.runShopID], on: connection) } }
        let session = try begin(on: connection)
        let runner = session.runner(stopping: stop, progress: progress)
        let found = Findings()
        // The run's large values are let go on a thread of their own once it is over (see BackgroundRelease).
        let leftovers = BackgroundRelease()
        defer { leftovers.release() }
        return try session.guarding(
            report: { failedReport($0, lastSuccess: $1, session: session, runner: runner, found: found) },
            formats: formats, partial: { found.partial }, published: { try? publishTextfile($0) }
        ) {
            let overlapped = leftovers.holding(try overlappedRead(stop))
            defer { overlapped?.abandon() }
            let catalog = leftovers.holding(try runner.run(extractCatalog(connection), ()))
            overlapped?.provide(catalog)
            let bitrix = leftovers.holding(try runner.run(extractDump(overlapped), catalog))
            found.partial = bitrix?.partial ?? false
            let latency = latencyAhead(catalog, bitrix)
            let reconciled = leftovers.holding(
                try runner.run(reconcile(), catalog.flatMap { catalog in bitrix.map { (catalog, $0) } }))
            let planned = leftovers.holding(try runner.run(plan(session), reconciled))
            found.record(planned)
            if kind == "nightly" {
                let options = try IndexInput.options(configuration, mode: .incremental, writeCatalog: false)
                if let outcome = try runner.run(index(session), options) {
                    try IndexInput.embeddingsWarning(on: connection).map(runner.append)
                    found.record(outcome, threshold: options.duplicateThreshold)
                }
            } else {
                runner.skip("index", because: "not part of a \(kind) run")
            }
            if let apply, let plan = planned?.plan {
                found.merge = try runner.run(applyStage(apply, session), plan) ?? found.merge
            }
            found.health = reconciled.map { reconciled in
                var reconciled = reconciled
                reconciled.latency = reconciled.latency ?? latency?.value
                return webhookHealth(found.discrepancies, of: reconciled)
            }
            return try finish(session, runner: runner, found: found)
        }
    }
}
