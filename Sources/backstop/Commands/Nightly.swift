import ArgumentParser
import BackstopIndex
import BackstopMerge
import BackstopModel
import BackstopPipeline
import BackstopReport
import BackstopStore
import Foundation
import Glibc
import Logging

extension Backstop {
    /// `backstop nightly`: the scheduled job, ``RunJob`` of kind `nightly` (``FleetJob`` for several shops).
    ///
    /// What the timer or CronJob runs each night: extract both sides, reconcile, plan, index, report, and
    /// with `--apply` also write the plan. The exit status tells the scheduler what happened without
    /// parsing output (see ``ExitStatus``).
    struct Nightly: AsyncParsableCommand {
        /// The command's help: what the run reads and writes, an example and the exit codes.
        static let configuration = CommandConfiguration(
            abstract: "The scheduled job: extract, reconcile, index and report, recorded in backstop.run.",
            discussion: """
                Reads the Bitrix dump(s) and the live catalog, classifies every discrepancy, refreshes the \
                visual-index bookkeeping and writes the reports to <report dir>/<run id>-nightly/ \
                (report.html, report.md, report.json, discrepancies.ndjson, csv/<kind>.csv, metrics.prom, \
                junit.xml). Each finding is marked new or persisting against the previous nightly run. Dry run: \
                nothing in the catalog changes; use `backstop apply` for that. Only one run per catalog at a \
                time (a PostgreSQL advisory lock); a second one exits 75 and names the run holding it.

                Example (cron / systemd timer; deploy/ has both):
                  backstop nightly --dump /backups/dbcvety-$(date +%F).sql.gz --max-seconds 10800

                With --apply the run also applies the merge plan it makes (see `backstop apply`), unless the \
                safety valve refuses it (exit 4).

                Exit codes: 0 clean, 2 discrepancies found, 3 partial input, 4 apply refused, 1 error, 75 locked, \
                124 stopped by --max-seconds, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM (run status stopped, \
                a partial but valid report; a second signal ends the process at once).
                """)

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions
        /// Dumps, shops, report folders and formats, the snapshot time, the time limit.
        @OptionGroup(title: "Run") var options: RunOptions

        /// `--apply`: write the plan this run makes, in the same run and under the same lock; a row a webhook
        /// wrote since the catalog was read fails its version check and is skipped, never overwritten.
        @Flag(
            help:
                "Apply the run's merge plan to the catalog in the same run (refused on partial input or past the thresholds)."
        )
        var apply = false

        /// `--force` (with `--apply`): override the share thresholds only.
        @Flag(help: "With --apply: override the soft-delete and update thresholds (never partial input).")
        var force = false

        /// `--batch-size` (with `--apply`): steps per transaction.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "With --apply: steps per batch (one transaction each; default merge.batch_size).", valueName: "n"))
        var batchSize: Int?

        /// `--workers` (with `--apply`): connections writing the batches of one kind at once.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "With --apply: connections writing batches of one kind at once (default merge.workers).", valueName: "n"
            ))
        var workers: Int?

        /// The apply flags only with `--apply`, and positive numbers (exit 64 otherwise).
        /// - Throws: `ValidationError`.
        func validate() throws {
            if !apply && (force || batchSize != nil || workers != nil) {
                throw ValidationError("--force, --batch-size and --workers go with --apply")
            }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size \(batchSize): must be positive") }
            if let workers, workers < 1 { throw ValidationError("--workers \(workers): must be positive") }
        }

        /// Runs the job through ``runJob(kind:global:options:apply:)``.
        /// - Throws: `ExitCode` with the run's status when it is not clean; the job's errors.
        func run() async throws {
            let settings = apply ? RunJob.ApplySettings(force: force, batchSize: batchSize, workers: workers) : nil
            let status = try runJob(kind: "nightly", global: global, options: options, apply: settings)
            if status != .clean { throw ExitCode(status.rawValue) }
        }
    }

    /// `backstop diff`: ``RunJob`` of kind `diff`, the nightly without the index stage (and never an apply),
    /// for a quick look or a CI check of a dump against a catalog.
    struct Diff: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(
            abstract: "Reconcile and report only (no index stage); recorded as a `diff` run.",
            discussion: """
                Same inputs and reports as `nightly`, without the index stage: the quick answer to "how far \
                apart are Bitrix and the catalog right now?".

                Example:
                  backstop diff --dump bitrix.sql --format md --format json
                """)

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions
        /// Dumps, shops, report folders and formats, the snapshot time, the time limit.
        @OptionGroup(title: "Run") var options: RunOptions

        /// Runs the job through ``runJob(kind:global:options:apply:)``.
        /// - Throws: `ExitCode` with the run's status when it is not clean; the job's errors.
        func run() async throws {
            let status = try runJob(kind: "diff", global: global, options: options)
            if status != .clean { throw ExitCode(status.rawValue) }
        }
    }

    /// `backstop reindex [--full]`: ``ReindexJob``, the index stage alone, resumable, and the one command
    /// that may write production vectors to `product_embeddings` (when a provider is configured).
    struct Reindex: AsyncParsableCommand {
        /// The command's help: what is checked and written, incremental similarity, resumption, exit codes.
        static let configuration = CommandConfiguration(
            abstract: "Recompute embeddings for changed images (or all with --full) and refresh similarity.",
            discussion: """
                Fetches and checks every enabled product's images (through the mirror, and over HTTP(S) with \
                --network), embeds changed ones with Backstop's local model (--full refits it first), \
                finds near-duplicates and similar products with BLAS, and checks the production vectors in \
                product_embeddings: missing, stale (source_url, model_version, vector) and orphan rows. With a \
                production provider (images.provider) it re-embeds what is missing or stale and writes \
                product_embeddings; without one it only reports. Orphan rows of disabled or absent products \
                are deleted.

                Similarity is incremental when the model did not change: only products whose vector changed, \
                and those whose stored top-k list they affect, are searched against all vectors; the report \
                still lists every near-duplicate pair. --full (and a first run) refits the model and does the \
                whole self-join.

                Resumable, with or without --full: images are processed in batches of 512 and each batch is \
                saved before the next starts (vectors; while refitting, the images' descriptors). A run that is \
                killed, or stopped by --max-seconds (checked between batches, exit 124), is resumed by the next \
                run: an incremental run skips the vectors already saved, and the next refitting run reuses the \
                saved descriptors of images whose bytes did not change instead of decoding them again.

                Example:
                  BACKSTOP_IMAGE_MIRROR=https://cvety.kz/=/srv/bitrix/www/ \\
                    backstop reindex --catalog "$DATABASE_URL" --shop 17008 --out reports/reindex

                Exit codes: 0 clean, 2 discrepancies found, 1 failure, 75 locked, 124 stopped by --max-seconds, \
                129/130/143 stopped by SIGHUP/SIGINT/SIGTERM between batches (resumed like --max-seconds).
                """)

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--full`: refit the local model on every image and run the whole self-join (after a change of
        /// the descriptor or the image libraries, or to check the incremental path).
        @Flag(help: "Refit the local model and re-embed every enabled product, not only changed ones.")
        var full = false

        /// `--max-seconds`: checked between batches of images, so at least one batch is saved; the next run
        /// resumes from there.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Stop after this many seconds, at the end of a batch of images (run status timed_out, exit code 124); the next run resumes.",
                valueName: "seconds"))
        var maxSeconds: Double?

        /// Rejects a negative or infinite time limit (exit 64).
        /// - Throws: `ValidationError`.
        func validate() throws { try RunOptions.validate(maxSeconds: maxSeconds) }

        /// `--shop` / `--shop-id`: the one shop to index (a reindex has no fleet form).
        @Option(
            name: [.customLong("shop"), .customLong("shop-id")],
            help: ArgumentHelp("The shop to index (default 17008).", valueName: "id"))
        var shopID: Int64?

        /// `--out`: the reports' folder, exactly (the default is a per-run folder of `--report-dir`).
        @Option(
            help: ArgumentHelp("Write report.json, discrepancies.ndjson, … into exactly this folder.", valueName: "dir")
        )
        var out: String?

        /// `--report-dir`: overrides `report.directory`.
        @Option(help: ArgumentHelp("Folder that receives one sub-folder per run (default: reports).", valueName: "dir"))
        var reportDir: String?

        /// `--mirror`: overrides `images.mirror` and `BACKSTOP_IMAGE_MIRROR`; see `ImageMirror` for the syntax.
        @Option(
            help: ArgumentHelp(
                "URL prefix mirrored by a folder, PREFIX=FOLDER (default: $BACKSTOP_IMAGE_MIRROR).", valueName: "spec"))
        var mirror: String?

        /// `--network`: fetch what the mirror does not cover over HTTP(S), through the image cache.
        @Flag(help: "Fetch images outside the mirror over HTTP(S) (cached, revalidated with ETag/Last-Modified).")
        var network = false

        /// `--provider`: overrides `images.provider`; `none` reports production vectors without writing them.
        @Option(
            help: ArgumentHelp(
                "Production provider: none, embedding-service or vertex (default: images.provider).", valueName: "name")
        )
        var provider: String?

        /// `--embedding-service`: overrides `images.embedding_service`.
        @Option(
            help: ArgumentHelp(
                "The embedding service's base URL (POST /embed/batch), for --provider embedding-service.",
                valueName: "url"))
        var embeddingService: String?

        /// `--export`: also write the Cloudflare Vectorize and D1 files for the shop's vectors.
        @Option(
            help: ArgumentHelp(
                "Write the Cloudflare export (vectorize.ndjson, d1-bouquets.sql, delete lists) here.", valueName: "dir")
        )
        var export: String?

        /// `--format`: overrides `report.formats`; repeat it for several.
        @Option(
            name: .customLong("format"),
            help: ArgumentHelp("Report formats to write (repeatable; default: all).", valueName: "format"))
        var formats: [ReportFormatArgument] = []

        /// Applies the flags over the configuration, runs ``ReindexJob`` with a progress bar and trapped
        /// signals, and prints the run's line.
        /// - Throws: `ExitCode` with the run's status when it is not clean; the job's errors.
        func run() async throws {
            let logger = global.makeLogger()
            var configuration = try global.loadConfiguration()
            if let shopID { configuration.shopID = shopID }
            if let reportDir { configuration.report.directory = reportDir }
            if let mirror { configuration.images.mirror = mirror }
            if network { configuration.images.network = true }
            if let provider { configuration.images.provider = provider }
            if let embeddingService { configuration.images.embeddingService = embeddingService }
            if !formats.isEmpty { configuration.report.formats = formats.map(\.rawValue) }
            let formatList = try RunOptions.formats(configuration.report.formats)
            let stop = StopSwitch(deadline: Deadline(seconds: maxSeconds))
            let trap = SignalTrap(stop)
            defer { trap.uninstall() }
            var job = ReindexJob(
                configuration: configuration, mode: full ? .full : .incremental, formats: formatList,
                arguments: Array(CommandLine.arguments.dropFirst()), logger: logger, version: Backstop.version,
                outputDirectory: out.map { URL(fileURLWithPath: $0) },
                exportDirectory: export.map { URL(fileURLWithPath: $0) },
                progress: TerminalProgress(logger: logger).reporter, maxSeconds: maxSeconds)
            job.stopSwitch = stop
            let result = try job.run()
            report(result)
            if result.status != .clean { throw ExitCode(result.status.rawValue) }
        }

    }
}

/// Shared body of `nightly` and `diff`: the flags over the configuration, the dump paths checked (exit 64
/// naming a bad one before anything connects), then one ``RunJob`` or, for a list, `all` or a partition,
/// one ``FleetJob``. Prints the run's line and the plan's summary.
/// - Parameters:
///   - kind: `nightly` or `diff`.
///   - global: The shared options.
///   - options: The run options.
///   - apply: `--apply`'s settings, `nil` to plan only.
/// - Returns: The run's exit status (the fleet's worst for several shops).
/// - Throws: `ValidationError` for bad flags or paths; the job's errors.
func runJob(kind: String, global: GlobalOptions, options: RunOptions, apply: RunJob.ApplySettings? = nil) throws
    -> ExitStatus
{
    let logger = global.makeLogger()
    var configuration = try global.loadConfiguration()
    options.apply(to: &configuration)
    try RunOptions.validate(
        dumps: configuration.bitrix.dumps, option: options.dumps.isEmpty ? "bitrix.dumps" : "--dump")
    let formats = try RunOptions.formats(configuration.report.formats)
    if configuration.partition != nil || (configuration.shops.map { $0.single == nil } ?? false) {
        return try runFleet(
            kind: kind, configuration: configuration, options: options, formats: formats, apply: apply, logger: logger)
    }
    let stop = StopSwitch(deadline: Deadline(seconds: options.maxSeconds))
    let trap = SignalTrap(stop)
    defer { trap.uninstall() }
    var job = RunJob(
        kind: kind, configuration: configuration, allowPartial: options.allowPartial, formats: formats,
        arguments: Array(CommandLine.arguments.dropFirst()), logger: logger, version: Backstop.version,
        outputDirectory: options.out.map { URL(fileURLWithPath: $0) }, apply: apply, maxSeconds: options.maxSeconds)
    job.stopSwitch = stop
    job.progress = TerminalProgress(logger: logger).reporter
    let result = try job.run()
    report(result)
    if let merge = result.merge {
        print("plan \(merge.plan.planID.map(String.init) ?? "-"): \(PlanPreview.summary(merge.plan))")
        if apply != nil { print("apply: \(PlanPreview.summary(merge))") }
    }
    return result.status
}

/// `nightly` / `diff` over several shops: one fleet run, one line per shop, the fleet page last.
/// - Parameters:
///   - kind: `nightly` or `diff`.
///   - configuration: The configuration with the flags applied.
///   - options: The run options (partial input, output folder, time limit).
///   - formats: The report formats.
///   - apply: `--apply`'s settings.
///   - logger: The logger.
/// - Returns: The worst shop's exit status.
/// - Throws: The job's own errors, uncaught: `PipelineError` (`shopSelection` for a shop the catalog lacks,
///   exit 64), `StoreError`, `PGError` and the stages' errors, each with its code and cause.
func runFleet(
    kind: String, configuration: BackstopConfiguration, options: RunOptions, formats: [any ReportFormat],
    apply: RunJob.ApplySettings?, logger: Logger
) throws -> ExitStatus {
    let stop = StopSwitch(deadline: Deadline(seconds: options.maxSeconds))
    let trap = SignalTrap(stop)
    defer { trap.uninstall() }
    var job = FleetJob(
        kind: kind, configuration: configuration, allowPartial: options.allowPartial, formats: formats,
        arguments: Array(CommandLine.arguments.dropFirst()), logger: logger, version: Backstop.version,
        outputDirectory: options.out.map { URL(fileURLWithPath: $0) }, apply: apply, maxSeconds: options.maxSeconds)
    job.stopSwitch = stop
    job.progress = TerminalProgress(logger: logger).reporter
    // The job's errors go up as they are: `Backstop.main` prints `error[<module>.<code>]:` and exits with
    // `ExitStatus(for:)` of the root cause (64 for a shop selection the catalog lacks, 75 for a held lock).
    let result = try job.run()
    if let holder = result.lockHolder { FileHandle.standardError.write(Data("backstop: \(holder)\n".utf8)) }
    for (shop, shopResult) in result.shops {
        print("shop \(shop): ", terminator: "")
        report(shopResult)
    }
    if !result.outOfScope.isEmpty {
        print("out of scope (not Bitrix sellers): " + result.outOfScope.map { "\($0.id)" }.joined(separator: ", "))
    }
    if let page = result.page { print("fleet: \(page.standardizedFileURL.absoluteString)") }
    return result.status
}

/// Prints how a job ended: who holds the lock (stderr), or the run and the URL of its report (stdout).
/// A scheduler's log then holds the one line a person needs to open the report; scripts read the exit
/// status and `backstop runs --json` instead of parsing it.
/// The URL is `report.html`'s when it was written, else `report.md`'s, as a `file://` URL a terminal can
/// open.
/// - Parameter result: The job's result.
func report(_ result: RunResult) {
    if let holder = result.lockHolder {
        FileHandle.standardError.write(Data("backstop: \(holder)\n".utf8))
    }
    if let run = result.run, let reportDirectory = result.reportDirectory {
        let html = reportDirectory.appendingPathComponent("report.html")
        let main =
            FileManager.default.fileExists(atPath: html.path)
            ? html : reportDirectory.appendingPathComponent("report.md")
        print(
            "run \(run.id) \(run.status): \(result.discrepancyCount) discrepancies; report: \(main.standardizedFileURL.absoluteString)"
        )
    }
}
