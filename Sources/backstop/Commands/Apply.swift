import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopStore
import Foundation

extension Backstop {
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a merge plan to the catalog (ID-preserving, safe against concurrent webhook writes).",
            discussion: """
                Every nightly and diff run makes a plan (backstop.plan, and plan.json beside its report): \
                inserts with preserved ids, named-column updates, soft deletes (enabled = false, never a \
                hard delete), image rows, order statuses with an orderhistory row (changed_by = 'backstop'), \
                bitrix_order_id back-fills and the product sequence, in dependency order, each planned \
                against the row's version (xmin and a checksum). Without --yes, apply prints the plan.

                With --yes it writes in batches (COPY into a temporary table, one set-based statement, one \
                transaction per batch) under the catalog lock. A row written since the plan was made (a \
                webhook) is skipped and listed, never overwritten. Killed at any point, an apply leaves whole \
                batches only; the same command finishes the plan without repeating a step.

                The safety valve refuses (exit 4, nothing written) a plan made from partial input, a plan \
                made against another catalog, and a plan whose soft deletes or updates exceed \
                merge.max_soft_delete_share / merge.max_update_share (default 5 % of the shop's products or \
                orders); --force overrides the thresholds only.

                Examples:
                  backstop apply --run 42                      what run 42's plan would do
                  backstop apply --run 42 --yes                apply it
                  backstop apply --plan reports/000042-nightly/plan.json --yes

                Only the plan of a complete run is applied: a plan whose run failed, was stopped or \
                abandoned, timed out, read partial input or is still running is refused (exit 4, \
                incomplete_run), and --force never overrides that.

                SIGTERM, SIGINT or SIGHUP stop the apply between batches (a batch in flight is cancelled \
                and rolled back whole); the run is recorded stopped and the same command finishes the plan.

                Exit codes: 0 applied (or nothing to do), 2 applied with conflicts (rows changed \
                meanwhile), 4 refused, 1 failure, 75 locked, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("The run whose plan to apply (see backstop runs).", valueName: "id"))
        var run: Int64?

        @Option(help: ArgumentHelp("A plan.json to apply (a run's, as written beside its report).", valueName: "file"))
        var plan: String?

        @Flag(help: "Actually write to the catalog; without it apply only prints the plan.")
        var yes = false

        @Flag(help: "Override the soft-delete and update thresholds (never partial input or another catalog).")
        var force = false

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Steps per batch (one transaction each; default merge.batch_size).", valueName: "n"))
        var batchSize: Int?

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Connections writing batches of one kind at once (default merge.workers: one per core, up to 4).",
                valueName: "n"))
        var workers: Int?

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Steps listed per phase and action (default 20; plan.json has them all).", valueName: "n"))
        var list: Int = 20

        func validate() throws {
            guard (run == nil) != (plan == nil) else {
                throw ValidationError("give exactly one of --run N or --plan FILE")
            }
            if let run, run < 1 { throw ValidationError("--run \(run): a run id is positive (see backstop runs)") }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size \(batchSize): must be positive") }
            if let workers, workers < 1 { throw ValidationError("--workers \(workers): must be positive") }
            if list < 0 { throw ValidationError("--list \(list): must not be negative") }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try global.loadConfiguration()
            let source: ApplyJob.Source = plan.map { .file(URL(fileURLWithPath: $0)) } ?? .run(run ?? 0)
            let stop = StopSwitch()
            let trap = SignalTrap(stop)
            defer { trap.uninstall() }
            var job = ApplyJob(
                source: source, configuration: configuration, write: yes, force: force, batchSize: batchSize,
                workers: workers, listLimit: list, arguments: Array(CommandLine.arguments.dropFirst()), logger: logger,
                version: Backstop.version)
            job.stopSwitch = stop
            job.progress = TerminalProgress(logger: logger).reporter
            let result = try job.run()
            if result.status == .locked {
                FileHandle.standardError.write(Data("backstop: \(result.text)\n".utf8))
            } else {
                print(result.text)
            }
            if let run = result.run { print("run \(run.id) \(run.status)") }
            if result.status != .clean { throw ExitCode(result.status.rawValue) }
        }
    }
}
