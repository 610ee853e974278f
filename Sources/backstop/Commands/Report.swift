import ArgumentParser
import BackstopModel
import BackstopPostgres
import BackstopReport
import BackstopStore
import Foundation

extension Backstop {
    struct ReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Re-render the reports of a recorded run from backstop.run and backstop.discrepancy.",
            discussion: """
                Useful after changing formats, or to get a report of an old run:
                  backstop report                 the latest run, all formats, into its report folder
                  backstop report --run 42 --format md --out /tmp/r42
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The run id (default: the latest finished run).")
        var run: Int64?

        @Option(name: .customLong("format"), help: "Formats to write (repeatable; default: all configured).")
        var formats: [ReportFormatArgument] = []

        @Option(help: ArgumentHelp("Output folder (default: the run's report folder).", valueName: "dir"))
        var out: String?

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try global.loadConfiguration()
            let connection = try global.connect(configuration, logger: logger)
            try locateSchema().requireCurrent(on: connection)
            let ledger = RunLedger(connection: connection)
            let runs = try ledger.recent(limit: 200)
            guard let record = run.map({ id in runs.first { $0.id == id } }) ?? runs.first(where: { $0.finishedAt != nil }) else {
                throw CLIError(run.map { "no run \($0) in backstop.run" } ?? "no finished run in backstop.run yet")
            }
            let discrepancies = try ledger.discrepancies(of: record.id)
            let names = formats.isEmpty ? configuration.report.formats : formats.map(\.rawValue)
            let directory = URL(fileURLWithPath: out ?? record.reportDirectory ?? "\(configuration.report.directory)/\(record.id)-\(record.kind)")
            let report = RunReport(run: record, stages: [], discrepancies: discrepancies, inputs: [:])
            for url in try ReportWriter.write(report, formats: try RunOptions.formats(names), to: directory) { print(url.path) }
        }
    }
}
