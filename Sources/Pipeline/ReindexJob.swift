public import BackstopIndex
public import BackstopModel
import BackstopPostgres
public import BackstopReport
import BackstopStore
public import Foundation
public import Logging

/// `backstop reindex [--full]`: the index stage alone, recorded in backstop.run as a `reindex` run, with
/// the same report files as the nightly (report.json, discrepancies.ndjson, …).
///
/// An incremental reindex decodes only changed images and searches only the similarity lists they can
/// change; `--full` refits the local model on every image and runs the whole self-join. Both are
/// resumable: vectors (or a refit's descriptors) are saved per batch of `images.batch_size`, so a run
/// stopped by `--max-seconds` or a signal is continued by the next one instead of starting over. With a
/// production provider configured it also repairs `product_embeddings` (the catalog write this job may do).
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
    /// Where the images embedded so far are reported (`index.images`: the CLI's bar); ignored by default.
    public var progress: ProgressReporter
    /// `--max-seconds`: checked between batches of images (at least one batch is done); the run then ends
    /// `timed_out` (exit 124) with what it computed saved, and the next run resumes from there.
    public var maxSeconds: Double?
    /// The run's stop switch (the CLI's, thrown by SIGTERM/SIGINT/SIGHUP, checked between batches like the
    /// time limit); `nil` makes one from ``maxSeconds``.
    public var stopSwitch: StopSwitch?

    /// A reindex ready to run; nothing is read or connected until ``run()``.
    /// - Parameters:
    ///   - configuration: The configuration with the flags applied.
    ///   - mode: `incremental` or `full` (`--full`).
    ///   - formats: The report formats to write.
    ///   - arguments: The command line, recorded redacted in the ledger.
    ///   - logger: Where the job logs.
    ///   - version: Backstop's version.
    ///   - outputDirectory: `--out`: write the reports exactly here.
    ///   - exportDirectory: `--export`: write the Cloudflare export here.
    ///   - progress: Where the images embedded so far are reported (`index.images`); ignored by default.
    ///   - maxSeconds: `--max-seconds`, when ``stopSwitch`` is not given.
    public init(
        configuration: BackstopConfiguration, mode: IndexStage.Mode, formats: [any ReportFormat], arguments: [String],
        logger: Logger, version: String, outputDirectory: URL? = nil, exportDirectory: URL? = nil,
        progress: ProgressReporter = .ignored, maxSeconds: Double? = nil
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

    /// Runs the reindex and returns how it ended: one stage, `index.<mode>`, on a ``StageRunner``, then the
    /// ledger and the report.
    ///
    /// - Throws: ``PipelineError`` when the catalog is unreachable or the stage fails (the failed run is
    ///   recorded first; ``PipelineError/underlyingError`` is the stage's error); `StoreError` when
    ///   Backstop's schema is not current.
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
        let bar = progress.start("index.images", total: nil, unit: .items("images"))
        defer { bar.finish() }
        options.progress = { done, total in bar.update(Int64(done), of: Int64(total)) }
        let inputs: [String: String] = [
            "catalog": connection.endpoint, "shop_id": String(configuration.shopID), "mode": mode.rawValue,
            "images": configuration.images.mirror.map { "mirror \($0)" }
                ?? (configuration.images.network ? "network" : "none"),
            "provider": configuration.images.provider,
        ]
        let session = try RunSession(
            kind: "reindex", dryRun: options.provider == nil, inputs: inputs, arguments: arguments, version: version,
            connection: connection, configuration: configuration, logger: logger
        ) { run in
            outputDirectory
                ?? URL(fileURLWithPath: configuration.report.directory).appendingPathComponent(
                    String(format: "%06lld-reindex", run.id))
        }
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        runner.progress = progress
        runner.cancel = connection.canceller()
        runner.isCancellation = { _ in stop.isSignalled && !connection.isBroken }
        runner.afterStop = { connection.rollbackIfInTransaction() }
        do {
            // Stopped between batches: a partial but valid report, no findings, exit 124 (or 128 + signal).
            let stage = IndexInput.stage("index.\(mode.rawValue)", connection: connection, runID: session.run.id)
            // The stage always saves its first batch (documented on --max-seconds), so it starts even when the
            // time limit has passed.
            let outcome = try runner.run(stage, options, evenIfStopped: true)
            let discrepancies = outcome?.discrepancies ?? []
            let status: ExitStatus =
                runner.isStopped ? stop.stoppedStatus : discrepancies.isEmpty ? .clean : .drift
            var counts: [String: Int] = [:]
            if let outcome {
                counts["reembedded"] = outcome.reembedded.count
                counts["decoded"] = outcome.imagesDecoded
            }
            let history = try session.finish(
                status, findings: discrepancies, counts: counts, partial: runner.isStopped, error: runner.stopReason,
                signal: runner.isStopped ? stop.signalNumber : nil)
            let report = RunReport(
                run: session.run,
                stages: runner.records + [try IndexInput.embeddingsWarning(on: connection)].compactMap { $0 },
                discrepancies: discrepancies, inputs: session.inputs, history: history,
                webhookHealth: outcome.map { _ in
                    WebhookHealth(
                        discrepancies: discrepancies, attribute: ReportAssembler.attribute, latency: [],
                        clock: "sync latency is measured by nightly and diff runs")
                },
                similarity: outcome.flatMap { RunJob.similarityHistogram($0, threshold: options.duplicateThreshold) },
                lastSuccessAt: try session.lastSuccess(), stopReason: runner.stopReason,
                generator: "backstop \(version)")
            _ = try session.write(report, formats: formats)
            if let outcome {
                logger.notice(
                    "reindex finished",
                    metadata: [
                        "run.id": "\(session.run.id)", "index.reembedded": "\(outcome.reembedded.count)",
                        "index.model": "\(outcome.modelVersion ?? "-")", "index.decoded": "\(outcome.imagesDecoded)",
                    ])
            }
            return RunResult(
                status: status, run: session.run, reportDirectory: session.reportDirectory,
                discrepancyCount: discrepancies.count)
        } catch {
            throw session.fail(
                error,
                report: { run, lastSuccess in
                    RunReport(
                        run: run, stages: runner.records, discrepancies: [], inputs: session.inputs,
                        lastSuccessAt: lastSuccess, generator: "backstop \(version)")
                }, formats: formats
            ).error
        }
    }
}
