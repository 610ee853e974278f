public import BackstopIndex
public import BackstopModel
import BackstopPostgres
public import BackstopReport
import BackstopStore
public import Foundation
public import Logging

/// `backstop reindex [--full]`: the index stage alone, recorded in backstop.run as a `reindex` run, with
/// the same report files as the nightly (report.json, discrepancies.ndjson, …).
public struct ReindexJob {
    /// The configuration (flags applied).
    public var configuration: BackstopConfiguration
    /// Incremental or full.
    public var mode: IndexStage.Mode
    /// Report formats to write.
    public var formats: [any ReportFormat]
    /// The command line, for the ledger.
    public var arguments: [String]
    /// Where the job logs.
    public var logger: Logger
    /// Backstop's version, for the ledger.
    public var version: String
    /// Write the reports into exactly this folder instead of `<report dir>/<run>-reindex/`.
    public var outputDirectory: URL?
    /// Where to write the Cloudflare export, if anywhere.
    public var exportDirectory: URL?
    /// Progress callback (done, total) for a terminal.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// `--max-seconds`: checked between batches of images (at least one batch is done); the run then ends
    /// `timed_out` (exit 124) with what it computed saved, and the next run resumes from there.
    public var maxSeconds: Double?
    /// The run's stop switch (the CLI's, thrown by SIGTERM/SIGINT/SIGHUP, checked between batches like the
    /// time limit); `nil` makes one from ``maxSeconds``.
    public var stopSwitch: StopSwitch?

    /// Creates a job.
    public init(
        configuration: BackstopConfiguration, mode: IndexStage.Mode, formats: [any ReportFormat], arguments: [String],
        logger: Logger, version: String, outputDirectory: URL? = nil, exportDirectory: URL? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil, maxSeconds: Double? = nil
    ) {
        self.maxSeconds = maxSeconds
        self.configuration = configuration
        self.mode = mode
        self.formats = formats
        self.arguments = arguments
        self.logger = logger
        self.version = version
        self.outputDirectory = outputDirectory
        self.exportDirectory = exportDirectory
        self.progress = progress
    }

    /// Runs the reindex and returns how it ended.
    ///
    /// - Throws: ``PipelineError`` when the catalog is unreachable or the stage fails (the failed run is
    ///   recorded first); ``StoreError`` when Backstop's schema is not current.
    public func run() throws -> RunResult {
        let stop = stopSwitch ?? StopSwitch(deadline: Deadline(seconds: maxSeconds))
        let schema = try BackstopSchema.locate()
        let connection = try CatalogInput.connect(configuration, logger: logger)
        try schema.requireCurrent(on: connection)
        guard try RunLock.tryAcquire(shops: [configuration.shopID], on: connection) else {
            return RunJob.locked(shops: [configuration.shopID], on: connection, logger: logger)
        }
        defer { RunLock.release(shops: [configuration.shopID], on: connection) }
        var options = try IndexInput.options(configuration, mode: mode, writeCatalog: true)
        options.exportDirectory = exportDirectory
        options.progress = progress
        options.shouldStop = { stop.safePoint("index.batch") }
        let ledger = RunLedger(connection: connection)
        let inputs: [String: String] = [
            "catalog": connection.endpoint, "shop_id": String(configuration.shopID), "mode": mode.rawValue,
            "images": configuration.images.mirror.map { "mirror \($0)" }
                ?? (configuration.images.network ? "network" : "none"),
            "provider": configuration.images.provider,
        ].mapValues(Redaction.redact)
        var run = try ledger.begin(
            kind: "reindex", arguments: Redaction.redact(arguments: arguments), dryRun: options.provider == nil,
            inputs: inputs, version: version)
        try? RunLock.announce(kind: "reindex", runID: run.id, on: connection)
        RunJob.markAbandoned(ledger: ledger, by: run.id, logger: logger)
        let reportDirectory =
            outputDirectory
            ?? URL(fileURLWithPath: configuration.report.directory).appendingPathComponent(
                String(format: "%06lld-reindex", run.id))
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            // Stopped between batches (--max-seconds): a partial but valid report, no findings, exit 124.
            var outcome: IndexStage.Outcome?
            var stopped: IndexError?
            do {
                outcome = try stop.onStop(connection.canceller() ?? {}) {
                    try IndexInput.run(options: options, connection: connection, runID: run.id, logger: logger)
                }
            } catch let error as IndexError where error.code == .stopped {
                stopped = error
                connection.rollbackIfInTransaction()
                logger.warning(
                    "run stopped",
                    metadata: ["stage": "index.\(mode.rawValue)", "reason": "\(stop.reason.map { "\($0)" } ?? "")"])
            } catch  where stop.isSignalled && !connection.isBroken {
                // The signal cancelled a statement in flight (SQLSTATE 57014): the stage stopped there.
                stopped = IndexError(.stopped, "statement cancelled: \(error)")
                connection.rollbackIfInTransaction()
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let discrepancies = outcome?.discrepancies ?? []
            let status: ExitStatus = stopped != nil ? stop.stoppedStatus : discrepancies.isEmpty ? .clean : .drift
            let statusText = RunJob.statusName(status)
            var finished = run
            finished.status = statusText
            let history = try ledger.history(
                of: finished, current: discrepancies, partial: stopped != nil, shop: inputs["shop_id"])
            try ledger.record(discrepancies, for: run, origins: history.origins)
            var counts = Dictionary(discrepancies.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
            counts["total"] = discrepancies.count
            if let outcome {
                counts["reembedded"] = outcome.reembedded.count
                counts["decoded"] = outcome.imagesDecoded
            }
            let stopReason = stopped.map { stop.reached(": \($0)") }
            try ledger.finish(
                &run, status: statusText, exitCode: status, counts: counts, partial: stopped != nil,
                reportDirectory: reportDirectory.path, error: stopReason,
                signal: stopped != nil ? stop.signalNumber : nil)
            let stage = RunReport.Stage(
                name: "index.\(mode.rawValue)", status: stopped != nil ? "stopped" : "ok",
                summary: outcome?.summary ?? stopped.map { "\($0)" } ?? "", seconds: seconds)
            let report = RunReport(
                run: run, stages: [stage] + [try IndexInput.embeddingsWarning(on: connection)].compactMap { $0 },
                discrepancies: discrepancies, inputs: inputs, history: history,
                webhookHealth: outcome.map { _ in
                    WebhookHealth(
                        discrepancies: discrepancies, attribute: ReportAssembler.attribute, latency: [],
                        clock: "sync latency is measured by nightly and diff runs")
                },
                similarity: outcome.flatMap { RunJob.similarityHistogram($0, threshold: options.duplicateThreshold) },
                lastSuccessAt: try ledger.lastSuccess(upTo: run.id, kind: run.kind),
                stopReason: stopReason,
                generator: "backstop \(version)")
            try ledger.saveReportContext(try report.context.json(), for: run.id)
            _ = try ReportWriter.write(report, formats: formats, to: reportDirectory)
            if let outcome {
                logger.notice(
                    "reindex finished",
                    metadata: [
                        "run.id": "\(run.id)", "index.reembedded": "\(outcome.reembedded.count)",
                        "index.model": "\(outcome.modelVersion ?? "-")", "index.decoded": "\(outcome.imagesDecoded)",
                    ])
            }
            return RunResult(
                status: status, run: run, reportDirectory: reportDirectory, discrepancyCount: discrepancies.count)
        } catch {
            let message = Redaction.redact("\(error)")
            // A lost connection (backend terminated, network): record the failure through a fresh one.
            let recorder =
                connection.isBroken ? RunJob.freshLedger(configuration, logger: logger) ?? ledger : ledger
            try? recorder.finish(
                &run, status: RunStatus.failed.rawValue, exitCode: .failure, counts: [:], partial: false,
                reportDirectory: reportDirectory.path, error: message)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let report = RunReport(
                run: run,
                stages: [.init(name: "index.\(mode.rawValue)", status: "failed", summary: message, seconds: seconds)],
                discrepancies: [], inputs: inputs,
                lastSuccessAt: (try? recorder.lastSuccess(upTo: run.id, kind: run.kind)) ?? nil,
                generator: "backstop \(version)")
            if let context = try? report.context.json() { try? recorder.saveReportContext(context, for: run.id) }
            _ = try? ReportWriter.write(report, formats: formats, to: reportDirectory)
            throw PipelineError(
                .runFailed, "run \(run.id) failed: \(message)\nreport: \(reportDirectory.path)/report.md", runID: run.id
            )
        }
    }
}
