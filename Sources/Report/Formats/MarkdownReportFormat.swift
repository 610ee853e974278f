import BackstopModel
import Foundation

/// `report.md`: what a data engineer reads first: verdict, what changed since the previous run, stages,
/// counts by kind, what the webhooks missed, then samples of each kind with both raw values, the probable
/// cause, the planned action and how long each has been open.
///
/// It is the report that travels: pasted into a ticket, mailed, read in a terminal with `less`. So it is
/// short by design (samples, not every finding) and says where the rest is; every value from the data goes
/// through `ReportText/markdownCell(_:limit:)` or `ReportText/markdownCode(_:)`, so a product name with
/// `|`, a backtick, a link or a bidi override cannot break a table or spoof text. The golden file
/// `Tests/ReportTests/Snapshots/report.md` pins its layout.
///
/// ```swift
/// let text = MarkdownReportFormat(samplesPerKind: 5).rendered(report)
/// ```
public struct MarkdownReportFormat: ReportFormat {
    /// How many discrepancies of each kind are listed (the JSON, NDJSON and CSV files have them all); it
    /// also caps the resolved table. A cut table ends with a row saying how many more and where.
    public var samplesPerKind: Int

    /// The Markdown format with a cap on each kind's samples.
    /// - Parameter samplesPerKind: Rows per kind's table (20 by default).
    public init(samplesPerKind: Int = 20) { self.samplesPerKind = samplesPerKind }

    /// `report.md`, in the run's report folder.
    public var fileName: String { "report.md" }

    /// Renders the report as GitHub-flavoured Markdown, in this order: the title and verdict with an icon
    /// per ``RunReport/outcome``, the run's facts (inputs and errors redacted), what changed since the
    /// previous comparable run, stages, counts by kind (with new and persisting when there is history),
    /// what the webhooks missed, systematic losses, what was resolved, then each kind's samples.
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the UTF-8 text is appended to (lines end in `\n`).
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        func line(_ text: String = "") { out.append(contentsOf: text.utf8); out.append(0x0A) }
        let cell = { (s: String?) in ReportText.markdownCell(s) }
        let run = report.run
        let icon = report.outcome == "ok" ? "✅" : (report.outcome == "warn" ? "⚠️" : "❌")
        line("# Backstop \(run.kind) run \(run.id)")
        line()
        line(
            "**\(icon) \(report.verdict)** Status `\(run.status)`, exit code \(run.exitCode.map(String.init) ?? "—"), "
                + (run.dryRun ? "dry run (nothing applied)" : "changes applied") + ".")
        line()
        line("- Started: \(ReportText.iso8601(run.startedAt)) on \(ReportText.markdownCode(run.host))")
        if run.finishedAt != nil { line("- Duration: \(String(format: "%.1f", run.duration)) s") }
        for (key, value) in report.inputs.sorted(by: { $0.key < $1.key }) {
            line("- \(key): \(ReportText.markdownCode(Redaction.redact(value)))")
        }
        if let error = run.error { line("- Error: \(ReportText.markdownCell(Redaction.redact(error), limit: 400))") }
        if let reason = report.stopReason { line("- Stopped early: \(ReportText.markdownCell(reason, limit: 400))") }
        if let r = report.reconciliation {
            line("- Snapshot (\"now\" for ACTIVE_FROM/ACTIVE_TO): \(r.snapshot.explanation)")
            line("- Order status map: `\(r.statusMapVersion)`")
            let rows = r.rowsCompared.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            line("- Rows compared: \(rows)")
            if r.withheld > 0 { line("- Withheld (partial input): \(r.withheld) orphan or dangling candidates") }
        }
        if let history = report.history {
            let counts = history.counts(report.discrepancies)
            if let previous = history.previous {
                let resolved =
                    history.resolvedComputed
                    ? "\(counts[.resolved] ?? 0) resolved" : "resolutions not computed (partial run)"
                line(
                    "- Since run \(previous.runID) (\(ReportText.shortDate(previous.startedAt)), \(previous.total) findings): "
                        + "**\(counts[.new] ?? 0) new**, \(counts[.persisting] ?? 0) persisting, \(resolved)")
            } else {
                line("- No earlier comparable run: every finding is new")
            }
        }
        if let generator = report.generator {
            line("- Written by \(generator), report schema `\(RunReport.schemaVersion)`")
        }
        line()
        line("## Stages")
        line()
        line("| stage | status | seconds | summary |")
        line("|---|---|---:|---|")
        for s in report.stages {
            line(
                "| \(s.name) | \(s.status) | \(String(format: "%.2f", s.seconds)) | \(cell(Redaction.redact(s.summary))) |"
            )
        }
        line()
        line("## Discrepancies by kind")
        line()
        if report.discrepancies.isEmpty {
            line("None.")
        } else {
            let withHistory = report.history != nil
            line(withHistory ? "| kind | count | new | persisting |" : "| kind | count |")
            line(withHistory ? "|---|---:|---:|---:|" : "|---|---:|")
            for (kind, items) in report.byKind {
                if let history = report.history {
                    let new = items.count { history.state(of: $0) == .new }
                    line("| `\(kind.rawValue)` | \(items.count) | \(new) | \(items.count - new) |")
                } else {
                    line("| `\(kind.rawValue)` | \(items.count) |")
                }
            }
            if let history = report.history {
                let counts = history.counts(report.discrepancies)
                line(
                    "| **total** | **\(report.discrepancies.count)** | **\(counts[.new] ?? 0)** | **\(counts[.persisting] ?? 0)** |"
                )
            } else {
                line("| **total** | **\(report.discrepancies.count)** |")
            }
        }
        if let health = report.webhookHealth { renderHealth(health, report: report, line: line) }
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
        if let history = report.history, !history.resolved.isEmpty {
            line()
            line(
                "## Resolved since run \(history.previous.map { String($0.runID) } ?? "—") (\(history.resolved.count))")
            line()
            line("| kind | key | field | item | was (Bitrix) | was (catalog) |")
            line("|---|---|---|---|---|---|")
            for d in history.resolved.prefix(samplesPerKind) {
                line(
                    "| `\(d.kind.rawValue)` | \(cell(d.key)) | \(cell(d.field)) | \(cell(d.item)) | \(cell(d.bitrixValue)) "
                        + "| \(cell(d.catalogValue)) |")
            }
            if history.resolved.count > samplesPerKind {
                line("| … | \(history.resolved.count - samplesPerKind) more in report.json | | | | |")
            }
        }
        for (kind, items) in report.byKind {
            line()
            line("### `\(kind.rawValue)` (\(items.count))")
            line()
            line("| key | field | item | Bitrix | catalog | probable cause | action | open |")
            line("|---|---|---|---|---|---|---|---|")
            for d in items.prefix(samplesPerKind) {
                line(
                    "| \(cell(d.key)) | \(cell(d.field)) | \(cell(d.item)) | \(cell(d.bitrixValue)) | \(cell(d.catalogValue)) "
                        + "| \(cell(d.probableCause)) | \(cell(d.action)) | \(open(d, report)) |")
            }
            if items.count > samplesPerKind {
                line("| … | | | | | | \(items.count - samplesPerKind) more in csv/\(kind.rawValue).csv | |")
            }
        }
    }

    /// The "open" column: `**new**`, or `since run 3 (2026-11-20 02:30), 2 d` for a persisting finding
    /// (measured to this run's start, not to the wall clock); `—` without history.
    /// - Parameters:
    ///   - d: One of the report's discrepancies.
    ///   - report: The report, for its history and start.
    /// - Returns: The cell's text.
    func open(_ d: Discrepancy, _ report: RunReport) -> String {
        guard let history = report.history else { return "—" }
        guard history.state(of: d) == .persisting, let origin = history.origin(of: d) else { return "**new**" }
        return "since " + ReportText.openSince(origin, runStartedAt: report.run.startedAt)
    }

    /// The "What the webhooks missed" section: findings per failure of the real-time path and per cause,
    /// then the sync latency table with how the clocks were read.
    private func renderHealth(_ health: WebhookHealth, report: RunReport, line: (String) -> Void) {
        line("")
        line("## What the webhooks missed")
        line("")
        if report.discrepancies.isEmpty {
            line("No finding to attribute.")
        } else {
            line("| failure of the real-time path | findings | meaning |")
            line("|---|---:|---|")
            for (failure, count) in health.failures {
                line(
                    "| \(failure?.title ?? "unattributed") | \(count) | \(failure?.explanation ?? "cause unknown to this build") |"
                )
            }
            line("")
            line("| cause | findings | attributed to |")
            line("|---|---:|---|")
            for c in health.causes {
                line("| `\(ReportText.markdownCell(c.cause))` | \(c.count) | \(c.failure?.title ?? "unattributed") |")
            }
        }
        if !health.latency.isEmpty {
            line("")
            line("Sync latency, Bitrix change (`TIMESTAMP_X`, `DATE_UPDATE`) → catalog `updated_at`, \(health.clock):")
            line("")
            line("| entity | rows with both times | caught up | behind Bitrix | p50 | p95 | max |")
            line("|---|---:|---:|---:|---:|---:|---:|")
            for l in health.latency {
                let span = { (v: Int64?) in v.map { ReportText.span(seconds: $0) } ?? "—" }
                line(
                    "| \(l.entity) | \(l.pairs) | \(l.pairs - l.behind) | \(l.behind) | \(span(l.p50Seconds)) "
                        + "| \(span(l.p95Seconds)) | \(span(l.maxSeconds)) |")
            }
            line("")
            line("\"Behind Bitrix\": the catalog row is older than Bitrix's last change, so that change never arrived.")
        }
    }
}

extension ReportFormat where Self == MarkdownReportFormat {
    /// The Markdown report with 20 samples per kind.
    public static var markdown: MarkdownReportFormat { MarkdownReportFormat() }
}
