import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopStore
import Foundation

extension Backstop {
    /// `backstop apply`: prints a run's merge plan, or with `--yes` applies it through ``ApplyJob``.
    ///
    /// The plan comes from the ledger (`--run`) or a `plan.json` (`--plan`); either way it is checked by
    /// the safety valve before anything is written, and written under the shop's run lock. The command is
    /// idempotent: run again after a kill or a stop, it finishes the plan without repeating a step.
    struct Apply: AsyncParsableCommand {
        /// The command's help: what a plan holds, how it is written, the safety valve and the exit codes.
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

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--run`: the run whose stored plan to apply. `.unconditional` parsing reads `--run -3` as a value,
        /// so ``validate()`` can refuse it by name instead of swift-argument-parser saying "Missing value".
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("The run whose plan to apply (see backstop runs).", valueName: "id"))
        var run: Int64?

        /// `--plan`: a `plan.json`; its header names the run and the catalog it was made against, which the
        /// safety valve compares with the ledger and the connected catalog.
        @Option(help: ArgumentHelp("A plan.json to apply (a run's, as written beside its report).", valueName: "file"))
        var plan: String?

        /// `--yes`: write. Dry run is the default, so a mistyped command shows a plan instead of changing
        /// the catalog.
        @Flag(help: "Actually write to the catalog; without it apply only prints the plan.")
        var yes = false

        /// `--force`: override the share thresholds only; partial input, another catalog and an incomplete
        /// run are refused whatever the flags.
        @Flag(help: "Override the soft-delete and update thresholds (never partial input or another catalog).")
        var force = false

        /// `--batch-size`: steps per transaction. Larger batches write faster (5000 by default; 1000-step
        /// batches ran at 0.64× the rate) but hold their row locks longer against webhooks.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Steps per batch (one transaction each; default merge.batch_size).", valueName: "n"))
        var batchSize: Int?

        /// `--workers`: connections writing the batches of one kind at once; kinds still go one after
        /// another, in dependency order.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Connections writing batches of one kind at once (default merge.workers: one per core, up to 4).",
                valueName: "n"))
        var workers: Int?

        /// `--list`: how many steps the printed plan shows per phase and action, to keep a large plan readable
        /// on a terminal.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Steps listed per phase and action (default 20; plan.json has them all).", valueName: "n"))
        var list: Int = 20

        /// Exactly one plan source, and positive numbers (exit 64 naming the option otherwise).
        /// - Throws: `ValidationError`.
        func validate() throws {
            guard (run == nil) != (plan == nil) else {
                throw ValidationError("give exactly one of --run N or --plan FILE")
            }
            if let run, run < 1 { throw ValidationError("--run \(run): a run id is positive (see backstop runs)") }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size \(batchSize): must be positive") }
            if let workers, workers < 1 { throw ValidationError("--workers \(workers): must be positive") }
            if list < 0 { throw ValidationError("--list \(list): must not be negative") }
        }

        /// Runs ``ApplyJob`` with signals trapped (SIGTERM, SIGINT, SIGHUP stop it between batches), prints
        /// the plan or what was applied on stdout (a held lock on stderr) and the run's line.
        /// - Throws: `ExitCode` with the job's status when it is not clean (2 conflicts, 4 refused, 75
        ///   locked, 128+n stopped); the job's errors, which ``Backstop/main()`` prints and maps.
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
