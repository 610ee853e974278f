import BackstopModel
import BackstopStore
import Foundation

/// `report.md`: what a data engineer reads first: verdict, stages, counts by kind, then samples of each
/// kind with both raw values.
public struct MarkdownReportFormat: ReportFormat {
    /// How many discrepancies of each kind are listed (the JSON and CSV files have them all).
    public var samplesPerKind: Int

    /// Creates the format.
    public init(samplesPerKind: Int = 20) { self.samplesPerKind = samplesPerKind }

    /// `report.md`.
    public var fileName: String { "report.md" }

    /// Renders Markdown.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        func line(_ text: String = "") { out.append(contentsOf: text.utf8); out.append(0x0A) }
        func cell(_ s: String?) -> String {
            guard let s else { return "—" }
            let escaped = s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "⏎")
            return escaped.count > 80 ? String(escaped.prefix(80)) + "…" : escaped
        }
        let run = report.run
        line("# Backstop \(run.kind) run \(run.id)")
        line()
        let verdict: String
        switch run.status {
        case "succeeded": verdict = "✅ No discrepancies."
        case "drift": verdict = "⚠️ \(report.discrepancies.count) discrepancies found."
        case "partial": verdict = "⚠️ Partial input: findings are incomplete."
        default: verdict = "❌ Run \(run.status)."
        }
        line("**\(verdict)** Status `\(run.status)`, exit code \(run.exitCode.map(String.init) ?? "—"), "
            + (run.dryRun ? "dry run (nothing applied)" : "changes applied") + ".")
        line()
        line("- Started: \(iso8601(run.startedAt)) on `\(run.host)`")
        line("- Duration: \(String(format: "%.1f", run.duration)) s")
        for (key, value) in report.inputs.sorted(by: { $0.key < $1.key }) { line("- \(key): `\(value)`") }
        if let error = run.error { line("- Error: \(error)") }
        if let r = report.reconciliation {
            line("- Snapshot (\"now\" for ACTIVE_FROM/ACTIVE_TO): \(r.snapshot.explanation)")
            line("- Order status map: `\(r.statusMapVersion)`")
            let rows = r.rowsCompared.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            line("- Rows compared: \(rows)")
            if r.withheld > 0 { line("- Withheld (partial input): \(r.withheld) orphan or dangling candidates") }
        }
        line()
        line("## Stages")
        line()
        line("| stage | status | seconds | summary |")
        line("|---|---|---:|---|")
        for s in report.stages { line("| \(s.name) | \(s.status) | \(String(format: "%.2f", s.seconds)) | \(cell(s.summary)) |") }
        line()
        line("## Discrepancies by kind")
        line()
        if report.discrepancies.isEmpty {
            line("None.")
        } else {
            line("| kind | count |")
            line("|---|---:|")
            for (kind, count) in report.countsByKind { line("| `\(kind.rawValue)` | \(count) |") }
            line("| **total** | **\(report.discrepancies.count)** |")
        }
        if let r = report.reconciliation, !r.systematic.isEmpty {
            line()
            line("## Systematic losses of the webhook path")
            line()
            line("Counted once per field, never listed per product: the real-time path loses these on every product.")
            line()
            line("| field | products | what the webhook does |")
            line("|---|---:|---|")
            for s in r.systematic { line("| `\(s.field)` | \(s.count) | \(cell(s.explanation)) |") }
        }
        var byKind: [DiscrepancyKind: [Discrepancy]] = [:]
        for d in report.discrepancies { byKind[d.kind, default: []].append(d) }
        for kind in byKind.keys.sorted() {
            let items = byKind[kind] ?? []
            line()
            line("### `\(kind.rawValue)` (\(items.count))")
            line()
            line("| key | field | item | Bitrix | catalog | probable cause | action |")
            line("|---|---|---|---|---|---|---|")
            for d in items.prefix(samplesPerKind) {
                line("| \(cell(d.key)) | \(cell(d.field)) | \(cell(d.item)) | \(cell(d.bitrixValue)) | \(cell(d.catalogValue)) "
                    + "| \(cell(d.probableCause)) | \(cell(d.action)) |")
            }
            if items.count > samplesPerKind { line("| … | | | | | \(items.count - samplesPerKind) more in discrepancies.ndjson | |") }
        }
    }
}

extension ReportFormat where Self == MarkdownReportFormat {
    /// The Markdown report.
    public static var markdown: MarkdownReportFormat { MarkdownReportFormat() }
}
