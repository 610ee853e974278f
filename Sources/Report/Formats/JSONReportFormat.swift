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
        line("  \"discrepancies\": [")
        for (i, d) in report.discrepancies.enumerated() {
            var fields = ["\"kind\": \(jsonString(d.kind.rawValue))", "\"entity\": \(jsonString(d.entity))", "\"key\": \(jsonString(d.key))"]
            if let field = d.field { fields.append("\"field\": \(jsonString(field))") }
            fields.append("\"bitrix\": \(opt(d.bitrixValue))")
            fields.append("\"catalog\": \(opt(d.catalogValue))")
            if let parser = d.parser { fields.append("\"parser\": \(jsonString(parser))") }
            if let cause = d.probableCause { fields.append("\"probable_cause\": \(jsonString(cause))") }
            fields.append("\"severity\": \(jsonString(d.severity.rawValue))")
            line("    {" + fields.joined(separator: ", ") + "}" + (i + 1 < report.discrepancies.count ? "," : ""))
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
