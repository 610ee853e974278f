import ArgumentParser
import BackstopModel
import BackstopPostgres
import BackstopReport
import BackstopStore
import Foundation

extension Backstop {
    /// `backstop runs`: the ledger's recent runs, newest first, as an aligned table or JSON lines
    /// (`--json`, for scripts and the deploy checks).
    struct Runs: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(
            abstract: "List recent runs from backstop.run: status, duration, discrepancy totals, report folder.")

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--limit`: how many runs, newest first.
        @Option(parsing: .unconditional, help: "How many runs to show.")
        var limit = 20

        /// `--kind`: only runs of this kind.
        @Option(help: "Only runs of this kind (nightly, diff, apply, reindex).")
        var kind: String?

        /// `--shop`: only runs of this shop (a fleet run has one run per shop).
        @Option(help: ArgumentHelp("Only runs of this shop (each shop of a fleet run has its own).", valueName: "id"))
        var shop: Int64?

        /// `--json`: one object per run and line (``RunRecord/Listing``: id, kind, status, start as Unix time,
        /// seconds, exit code, findings, report folder).
        @Flag(help: "Print JSON lines instead of a table.")
        var json = false

        /// Rejects a limit below 1, naming it.
        /// - Throws: `ValidationError` (exit 64).
        func validate() throws {
            if limit < 1 { throw ValidationError("--limit \(limit): must be positive") }
        }

        /// Prints the runs; times are UTC, durations in seconds, the finding count only where it is a result.
        ///
        /// The table's columns: id, kind, status, start, seconds, exit code (`-` while running), findings
        /// (`-` for a running, failed or abandoned run) and the report folder. The JSON lines carry the
        /// same fields with the start as Unix time, for scripts that must not parse the table.
        /// - Throws: `PipelineError` or `StoreError` when the catalog or the schema is not usable.
        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try global.loadConfiguration()
            let ledger = try global.openLedger(configuration, logger: logger)
            let runs =
                try shop.map { try ledger.recent(limit: limit, kind: kind, shop: $0) }
                ?? ledger.recent(limit: limit, kind: kind)
            if json {
                // One compact object a line, keys sorted (RunRecord.Listing); stdout carries nothing else.
                let encoder = JSONFiles.compactEncoder()
                var out: [UInt8] = []
                for run in runs { try JSONFiles.appendLine(RunRecord.Listing(run), with: encoder, into: &out) }
                print(String(decoding: out, as: UTF8.self), terminator: "")
                return
            }
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            formatter.timeZone = TimeZone(identifier: "UTC")
            print("   id  kind      status     started (UTC)         seconds  exit  found  report")
            for run in runs {
                print(
                    String(format: "%5lld  ", run.id) + run.kind.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + "  "
                        + run.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
                        + formatter.string(from: run.startedAt)
                        + String(format: "  %7.1f  ", run.duration)
                        + (run.exitCode.map(String.init) ?? "-").leftPadded(4)
                        + "  " + (run.resultCount.map(String.init) ?? "-").leftPadded(5) + "  "
                        + (run.reportDirectory ?? "-"))
            }
            if runs.isEmpty { print("(no runs yet)") }
        }
    }
}

extension String {
    /// The text right-aligned in `width` columns (characters, not display cells); longer text is kept whole.
    /// - Parameter width: The column's width.
    /// - Returns: The padded text.
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
