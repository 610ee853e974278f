import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopPostgres
import BackstopReport
import BackstopStore
import Foundation

extension Backstop {
    /// `backstop report`: renders a recorded run's reports again through ``ReportAssembler``, byte for byte
    /// what the run wrote, in any format (also one the run did not write).
    ///
    /// Named `ReportCommand` so it does not shadow BackstopReport's types; its command name is `report`.
    struct ReportCommand: AsyncParsableCommand {
        /// The command's help, with examples.
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Render the reports of a recorded run again, from backstop.run and backstop.discrepancy.",
            discussion: """
                Any run can be rendered again, in any format, with its stages, history (new, persisting and \\
                resolved findings against the previous comparable run) and webhook health as recorded:
                  backstop report                              the latest finished run, all formats, into its folder
                  backstop report --run 42 --format html --out /tmp/r42
                  backstop runs                                the run ids
                """)

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--run`: the run to render; without it the latest finished one.
        @Option(parsing: .unconditional, help: "The run id (default: the latest finished run).")
        var run: Int64?

        /// Rejects a run id below 1, naming it.
        /// - Throws: `ValidationError` (exit 64).
        func validate() throws {
            if let run, run < 1 { throw ValidationError("--run \(run): a run id is positive (see backstop runs)") }
        }

        /// `--format`: the formats to write; without it `report.formats` from the configuration.
        @Option(name: .customLong("format"), help: "Formats to write (repeatable; default: all configured).")
        var formats: [ReportFormatArgument] = []

        /// `--out`: where to write; without it the run's report folder (its files are replaced atomically).
        @Option(help: ArgumentHelp("Output folder (default: the run's report folder).", valueName: "dir"))
        var out: String?

        /// Writes the files into `--out` (default: the run's own folder) and prints each path.
        ///
        /// Without `--run` the latest finished run among the 200 newest is rendered; a run still running
        /// has no complete report to render.
        /// - Throws: ``CLIError`` when no run has finished yet; `PipelineError` for an unknown run id;
        ///   `ReportError` when a file cannot be written.
        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try global.loadConfiguration()
            let ledger = try global.openLedger(configuration, logger: logger)
            let id: Int64
            if let run {
                id = run
            } else {
                guard let latest = try ledger.recent(limit: 200).first(where: { $0.finishedAt != nil }) else {
                    throw CLIError("no finished run in backstop.run yet")
                }
                id = latest.id
            }
            let report = try ReportAssembler(ledger: ledger).report(of: id)
            let names = formats.isEmpty ? configuration.report.formats : formats.map(\.rawValue)
            let directory = URL(
                fileURLWithPath: out ?? report.run.reportDirectory
                    ?? "\(configuration.report.directory)/\(String(format: "%06lld", id))-\(report.run.kind)")
            for url in try ReportWriter.write(report, formats: try RunOptions.formats(names), to: directory) {
                print(url.path)
            }
        }
    }
}
