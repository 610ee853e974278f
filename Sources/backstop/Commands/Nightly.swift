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
                (report.html, report.md, report.json, discrepancies.ndjson, csv/<kind>.csv, metrics.prom, \
                junit.xml). Each finding is marked new or persisting against the previous nightly run. Dry run: \
                nothing in the catalog changes; use `backstop apply` for that. Only one run per catalog at a \
                time (a PostgreSQL advisory lock); a second one exits 75 and names the run holding it.

                Example (cron / systemd timer; deploy/ has both):
                  backstop nightly --dump /backups/dbcvety-$(date +%F).sql.gz --max-seconds 10800

                Exit codes: 0 clean, 2 discrepancies found, 3 partial input, 1 error, 75 locked, \
                124 stopped by --max-seconds.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup(title: "Run") var options: RunOptions

        func run() async throws {
            let status = try runJob(kind: "nightly", global: global, options: options)
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

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the merge plan of a run to the catalog (ID-preserving, safe against concurrent webhooks).",
            discussion: """
                Plans are computed by `nightly`/`diff` and stored in backstop.plan; `apply` executes one in \
                batches under the catalog lock, re-checking each row against what the plan expected so a \
                concurrent webhook write is never overwritten. Without --yes it only prints the plan.

                Not available yet: merge planning arrives with the reconcile stage.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The run whose plan to apply (default: the latest nightly).")
        var run: Int64?

        @Flag(help: "Actually write to the catalog.")
        var yes = false

        func run() async throws {
            throw CLIError("apply is not available yet: merge planning has not been built (nothing was changed)")
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
func runJob(kind: String, global: GlobalOptions, options: RunOptions) throws -> ExitStatus {
    let logger = global.makeLogger()
    var configuration = try global.loadConfiguration()
    options.apply(to: &configuration)
    let formats = try RunOptions.formats(configuration.report.formats)
    let job = RunJob(
        kind: kind, configuration: configuration, allowPartial: options.allowPartial, formats: formats,
        arguments: Array(CommandLine.arguments.dropFirst()), logger: logger, version: Backstop.version,
        outputDirectory: options.out.map { URL(fileURLWithPath: $0) }, maxSeconds: options.maxSeconds)
    let result: RunResult
    do {
        result = try job.run()
    } catch let error as PipelineError {
        throw CLIError(error.description)
    } catch let error as StoreError {
        throw CLIError(error.description)
    }
    if let holder = result.lockHolder {
        FileHandle.standardError.write(Data("backstop: \(holder)\n".utf8))
    }
    if let run = result.run, let reportDirectory = result.reportDirectory {
        let html = reportDirectory.appendingPathComponent("report.html")
        let main = FileManager.default.fileExists(atPath: html.path) ? html : reportDirectory.appendingPathComponent("report.md")
        print("run \(run.id) \(run.status): \(result.discrepancyCount) discrepancies; report: \(main.standardizedFileURL.absoluteString)")
    }
    return result.status
}
