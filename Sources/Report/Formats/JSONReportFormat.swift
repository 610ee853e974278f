import BackstopModel
import BackstopStore
import Foundation

/// `report.json`: the machine-readable report (run, stages, counts by kind, every discrepancy).
public struct JSONReportFormat: ReportFormat {
    /// Creates the format.
    public init() {}

    /// `report.json`.
    public var fileName: String { "report.json" }

    /// Renders stable, pretty-printed JSON (keys in a fixed order).
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        func line(_ text: String) { out.append(contentsOf: text.utf8); out.append(0x0A) }
        func opt(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        let run = report.run
        line("{")
        line("  \"schema\": \"backstop.report/1\",")
        line("  \"run\": {")
        line("    \"id\": \(run.id),")
        line("    \"kind\": \(jsonString(run.kind)),")
        line("    \"status\": \(jsonString(run.status)),")
        line("    \"started_at\": \(jsonString(iso8601(run.startedAt))),")
        line("    \"finished_at\": \(opt(run.finishedAt.map(iso8601))),")
        line("    \"duration_seconds\": \(String(format: "%.3f", run.duration)),")
        line("    \"dry_run\": \(run.dryRun),")
        line("    \"exit_code\": \(run.exitCode.map(String.init) ?? "null"),")
        line("    \"host\": \(jsonString(run.host)),")
        line("    \"error\": \(opt(run.error))")
        line("  },")
        line("  \"inputs\": {" + report.inputs.sorted { $0.key < $1.key }
            .map { "\(jsonString($0.key)): \(jsonString($0.value))" }.joined(separator: ", ") + "},")
        line("  \"stages\": [")
        for (i, stage) in report.stages.enumerated() {
            line("    {\"name\": \(jsonString(stage.name)), \"status\": \(jsonString(stage.status)), "
                + "\"summary\": \(jsonString(stage.summary)), \"seconds\": \(String(format: "%.3f", stage.seconds))}"
                + (i + 1 < report.stages.count ? "," : ""))
        }
        line("  ],")
        let counts = report.countsByKind
        line("  \"counts\": {" + counts.map { "\(jsonString($0.kind.rawValue)): \($0.count)" }.joined(separator: ", ") + "},")
        line("  \"total\": \(report.discrepancies.count),")
        if let r = report.reconciliation {
            line("  \"snapshot\": {\"time\": \(jsonString(r.snapshot.text)), \"source\": \(jsonString(r.snapshot.source.rawValue)), "
                + "\"explanation\": \(jsonString(r.snapshot.explanation))},")
            line("  \"status_map\": \(jsonString(r.statusMapVersion)),")
            line("  \"rows_compared\": {" + r.rowsCompared.sorted { $0.key < $1.key }
                .map { "\(jsonString($0.key)): \($0.value)" }.joined(separator: ", ") + "},")
            line("  \"withheld_partial\": \(r.withheld),")
            line("  \"systematic\": [" + r.systematic.map {
                "{\"field\": \(jsonString($0.field)), \"count\": \($0.count), \"explanation\": \(jsonString($0.explanation))}"
            }.joined(separator: ", ") + "],")
        }
        line("  \"discrepancies\": [")
        for (i, d) in report.discrepancies.enumerated() {
            line("    " + DiscrepancyJSON.object(d) + (i + 1 < report.discrepancies.count ? "," : ""))
        }
        line("  ]")
        line("}")
    }
}

extension ReportFormat where Self == JSONReportFormat {
    /// The JSON report.
    public static var json: JSONReportFormat { JSONReportFormat() }
}

/// RFC 3339 UTC text of a date (`2026-11-22T02:30:00Z`).
func iso8601(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}
