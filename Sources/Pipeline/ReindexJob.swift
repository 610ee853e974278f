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
        let connection = try RunSession.connect(configuration, logger: logger)
        guard try RunLock.tryAcquire(shops: [configuration.shopID], on: connection) else {
            return RunSession.locked(shops: [configuration.shopID], on: connection, logger: logger)
        }
        defer { RunLock.release(shops: [configuration.shopID], on: connection) }
        var options = try IndexInput.options(configuration, mode: mode, writeCatalog: true)
        options.exportDirectory = exportDirectory
        let session = try begin(on: connection, dryRun: options.provider == nil)
        let runner = session.runner(stopping: stop, progress: progress)
        return try session.guarding(
            report: { run, lastSuccess in
                RunReport(
                    run: run, stages: runner.records, discrepancies: [], inputs: session.inputs,
                    lastSuccessAt: lastSuccess, generator: "backstop \(version)")
            }, formats: formats
        ) {
            // The stage always saves its first batch (documented on --max-seconds), so it starts even when the
            // time limit has passed; stopped between batches, the run ends with a partial but valid report.
            let stage = IndexInput.stage("index.\(mode.rawValue)", connection: connection, runID: session.run.id)
            let outcome = try runner.run(stage, options, evenIfStopped: true)
            return try finish(outcome, session: session, runner: runner, threshold: options.duplicateThreshold)
        }
    }
}
