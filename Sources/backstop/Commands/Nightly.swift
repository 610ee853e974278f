import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopStore
import Foundation

extension Backstop {
    struct Nightly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scheduled job: extract, reconcile, index and report, recorded in backstop.run.",
            discussion: """
                Reads the Bitrix dump(s) and the live catalog, classifies every discrepancy, refreshes the \
                visual-index bookkeeping and writes the reports to <report dir>/<run id>-nightly/ \
                (report.json, report.md, backstop.prom, …). Dry run: nothing in the catalog changes; use \
                `backstop apply` for that. Only one run per catalog at a time (a PostgreSQL advisory lock); a \
                second one exits 75.

                Example (cron / systemd timer):
                  backstop nightly --dump /backups/dbcvety-$(date +%F).sql.gz

                With --apply the run also applies the merge plan it makes (see `backstop apply`), unless the \
                safety valve refuses it (exit 4).

                Exit codes: 0 clean, 2 discrepancies found, 3 partial input, 4 apply refused, 1 failure, 75 locked.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup(title: "Run") var options: RunOptions

        @Flag(help: "Apply the run's merge plan to the catalog in the same run (refused on partial input or past the thresholds).")
        var apply = false

        @Flag(help: "With --apply: override the soft-delete and update thresholds (never partial input).")
        var force = false

        @Option(help: ArgumentHelp("With --apply: steps per batch (one transaction each; default merge.batch_size).", valueName: "n"))
        var batchSize: Int?

        func validate() throws {
            if !apply && (force || batchSize != nil) { throw ValidationError("--force and --batch-size go with --apply") }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be positive") }
        }

        func run() async throws {
            let settings = apply ? RunJob.ApplySettings(force: force, batchSize: batchSize) : nil
            let status = try runJob(kind: "nightly", global: global, options: options, apply: settings)
            if status != .clean { throw ExitCode(status.rawValue) }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reconcile and report only (no index stage); recorded as a `diff` run.",
            discussion: """
                Same inputs and reports as `nightly`, without the index stage: the quick answer to "how far \
                apart are Bitrix and the catalog right now?".

                Example:
                  backstop diff --dump bitrix.sql --format md --format json
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup(title: "Run") var options: RunOptions

        func run() async throws {
            let status = try runJob(kind: "diff", global: global, options: options)
            if status != .clean { throw ExitCode(status.rawValue) }
        }
    }

    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute embeddings for changed images (or all with --full) and refresh similarity.",
            discussion: """
                Fetches and decodes product images, recomputes embeddings where the image or the model \
                changed, removes vectors of disabled or deleted products, and recomputes near-duplicates and \
                top-k similar products with BLAS. --full re-embeds every enabled product.

                Not available yet: the index stage has not been built (nothing was changed).
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Re-embed every enabled product, not only changed ones.")
        var full = false

        func run() async throws {
            throw CLIError("reindex is not available yet: the index stage has not been built (nothing was changed)")
        }
    }
}

/// Shared body of `nightly` and `diff`.
func runJob(kind: String, global: GlobalOptions, options: RunOptions, apply: RunJob.ApplySettings? = nil) throws -> ExitStatus {
    let logger = global.makeLogger()
    var configuration = try global.loadConfiguration()
    options.apply(to: &configuration)
    let formats = try RunOptions.formats(configuration.report.formats)
    let job = RunJob(
        kind: kind, configuration: configuration, allowPartial: options.allowPartial, formats: formats,
        arguments: Array(CommandLine.arguments.dropFirst()), logger: logger, version: Backstop.version,
        outputDirectory: options.out.map { URL(fileURLWithPath: $0) }, apply: apply)
    let result: RunResult
    do {
        result = try job.run()
    } catch let error as PipelineError {
        throw CLIError(error.description)
    } catch let error as StoreError {
        throw CLIError(error.description)
    }
    if let run = result.run, let reportDirectory = result.reportDirectory {
        print("run \(run.id) \(run.status): \(result.discrepancyCount) discrepancies; report: \(reportDirectory.path)/report.md")
    }
    if let merge = result.merge {
        print("plan \(merge.plan.planID.map(String.init) ?? "-"): \(PlanPreview.summary(merge.plan))")
        if apply != nil { print("apply: \(PlanPreview.summary(merge))") }
    }
    return result.status
}
