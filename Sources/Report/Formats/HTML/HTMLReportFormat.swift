import BackstopModel
import Foundation

/// `report.html`: one self-contained page (no external asset; a Content-Security-Policy that allows only its
/// own inline style and script, by hash): the verdict, what changed since the previous run, inline SVG
/// charts (discrepancies by kind, the trend over recent runs, webhook failures, the similarity histogram),
/// the stages, webhook health, and per-kind tables with both values side by side, the cause, the planned
/// action and how long each finding has been open. Tables sort by any column and filter by text, kind and
/// state. Every piece of data is HTML-escaped.
///
/// The page is what a data engineer opens first in the morning, so it reads top-down: the verdict and the
/// run's facts, then what changed since the previous run, then why (webhook failures), then every finding.
/// It works from a `file://` URL with JavaScript off (tables are plain HTML; sorting and filtering are an
/// addition) and renders the same bytes for the same report: no timestamp of its own, no random ids.
/// `Tests/ReportTests/HTMLReportTests` loads it in headless Chromium and fails on any console message.
public struct HTMLReportFormat: ReportFormat {
    /// How many findings each kind's table lists (all of them are in `csv/<kind>.csv`); it also caps the
    /// resolved table. It keeps a page of a run with a million findings openable in a browser.
    public var rowsPerKind: Int

    /// The HTML format with a cap on each table.
    /// - Parameter rowsPerKind: Rows per kind's table; the heading says "*shown* of *total*" when it cuts.
    public init(rowsPerKind: Int = 2000) { self.rowsPerKind = rowsPerKind }

    /// `report.html`, in the run's report folder.
    public var fileName: String { "report.html" }

    /// The page's Content-Security-Policy: nothing but its own style and script (by SHA-256) and `data:`
    /// images (the duplicate pairs' thumbnails). A value from the data that escaped its escaping still could
    /// not run a script or load anything: defence in depth for a page of untrusted product text.
    static var contentSecurityPolicy: String {
        func hash(_ text: String) -> String {
            "'sha256-" + Data(SHA256.digest(Array(text.utf8))).base64EncodedString() + "'"
        }
        return "default-src 'none'; style-src \(hash(HTMLAssets.style)); script-src \(hash(HTMLAssets.script)); "
            + "img-src data:; base-uri 'none'; form-action 'none'"
    }

    /// Renders the page, section by section in reading order, as UTF-8.
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the page's bytes are appended to.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        var page = Page()
        page.head(report)
        page.header(report)
        page.summary(report)
        page.charts(report)
        page.stages(report)
        page.webhooks(report)
        page.systematic(report)
        page.findings(report, rowsPerKind: rowsPerKind)
        page.resolved(report, rows: rowsPerKind)
        page.footer(report)
        out += Array(page.text.utf8)
    }

    /// The page being written: one method per section, each appending its lines to ``text``.
    struct Page {
        /// The page so far.
        var text = ""
        /// HTML escaping (`ReportText/html(_:)`), short because every value goes through it.
        let h = ReportText.html

        /// Appends one line of markup. The caller escapes every value from the data with `h`.
        mutating func add(_ s: String) { text += s; text += "\n" }

        /// `<head>`: charset, viewport, the Content-Security-Policy, the generator, a title with the run and
        /// its verdict (the browser tab says whether there is drift), and the inline style.
        mutating func head(_ report: RunReport) {
            add("<!DOCTYPE html>")
            add("<html lang=\"en\">")
            add("<head>")
            add("<meta charset=\"utf-8\">")
            add("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            add(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"\(h(HTMLReportFormat.contentSecurityPolicy))\">"
            )
            add("<meta name=\"generator\" content=\"\(h(report.generator ?? "backstop"))\">")
            add("<title>\(h("Backstop \(report.run.kind) run \(report.run.id): \(report.verdict)"))</title>")
            add("<style>\(HTMLAssets.style)</style>")
            add("</head>")
            add("<body>")
        }

        /// The verdict banner, coloured by ``RunReport/outcome``, with the run's facts (status and exit code,
        /// start and host, duration, dry run or applied, inputs redacted, snapshot, status map, error, why it
        /// stopped early) and the section links.
        mutating func header(_ report: RunReport) {
            let run = report.run
            add("<header class=\"verdict \(report.outcome)\" id=\"top\">")
            add("<h1>Backstop \(h(run.kind)) run \(run.id)</h1>")
            add("<p class=\"verdict-line\">\(h(report.verdict))</p>")
            add("<dl class=\"meta\">")
            func item(_ term: String, _ value: String) { add("<dt>\(h(term))</dt><dd>\(h(value))</dd>") }
            item("status", "\(run.status), exit code \(run.exitCode.map(String.init) ?? "—")")
            item("started", "\(ReportText.iso8601(run.startedAt)) on \(run.host)")
            if run.finishedAt != nil { item("duration", String(format: "%.1f s", run.duration)) }
            item("mode", run.dryRun ? "dry run (nothing applied)" : "changes applied")
            for (key, value) in report.inputs.sorted(by: { $0.key < $1.key }) { item(key, Redaction.redact(value)) }
            if let r = report.reconciliation {
                item("snapshot", r.snapshot.explanation)
                item("status map", r.statusMapVersion)
            }
            if let error = run.error { item("error", Redaction.redact(error)) }
            if let reason = report.stopReason { item("stopped early", reason) }
            add("</dl>")
            add(
                "<nav><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a><a href=\"#stages\">Stages</a>"
                    + "<a href=\"#webhooks\">What the webhooks missed</a><a href=\"#findings\">Findings</a>"
                    + "<a href=\"#resolved\">Resolved</a></nav>")
            add("</header>")
        }

        /// The summary tiles: discrepancies; new, persisting and resolved against the previous comparable run
        /// (resolved shows `—` when a partial run could not compute it); rows compared; findings withheld.
        mutating func summary(_ report: RunReport) {
            add("<section id=\"summary\"><h2>Summary</h2><div class=\"tiles\">")
            func tile(_ value: String, _ label: String) {
                add("<div class=\"tile\"><b>\(h(value))</b><span>\(h(label))</span></div>")
            }
            tile(String(report.discrepancies.count), "discrepancies")
            if let history = report.history {
                let counts = history.counts(report.discrepancies)
                tile(String(counts[.new] ?? 0), "new")
                tile(String(counts[.persisting] ?? 0), "persisting")
                tile(history.resolvedComputed ? String(counts[.resolved] ?? 0) : "—", "resolved")
                if let previous = history.previous {
                    tile("#\(previous.runID)", "compared with (\(ReportText.shortDate(previous.startedAt)))")
                }
            }
            if let r = report.reconciliation {
                tile(String(r.rowsCompared["product.matched"] ?? 0), "products compared")
                tile(String(r.rowsCompared["order.matched"] ?? 0), "orders compared")
                if r.withheld > 0 { tile(String(r.withheld), "withheld (partial input)") }
            }
            add("</div></section>")
        }

        /// The inline SVG charts: discrepancies by kind (new ones highlighted), the trend over recent runs,
        /// findings by webhook failure and the similarity histogram (`HTMLCharts`).
        mutating func charts(_ report: RunReport) {
            add("<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">")
            let kindBars = report.byKind.map { group in
                HTMLCharts.Bar(
                    label: group.kind.rawValue, value: group.items.count,
                    highlight: report.history.map { history in group.items.count { history.state(of: $0) == .new } }
                        ?? 0)
            }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.label < $1.label }
            add(
                "<figure><figcaption>Discrepancies by kind" + (report.history == nil ? "" : " (new in violet)")
                    + "</figcaption>\(HTMLCharts.bars(kindBars, title: "Discrepancies by kind", highlightLegend: "new"))</figure>"
            )
            add(
                "<figure><figcaption>Trend over recent runs</figcaption>\(HTMLCharts.trend(report.history?.trend ?? []))</figure>"
            )
            if let health = report.webhookHealth {
                let bars = health.failures.map {
                    HTMLCharts.Bar(label: $0.failure?.title ?? "unattributed", value: $0.count)
                }
                add(
                    "<figure><figcaption>Findings by failure of the real-time path</figcaption>"
                        + "\(HTMLCharts.bars(bars, title: "Findings by webhook failure"))</figure>")
            }
            add(
                "<figure><figcaption>Similarity scores\(report.similarity.map { " · " + h($0.label) } ?? "")</figcaption>"
                    + "\(HTMLCharts.histogram(report.similarity))</figure>")
            add("</div></section>")
        }

        /// The stage table: name, status badge, seconds and the summary (redacted again: a summary may carry a
        /// failed stage's error text).
        mutating func stages(_ report: RunReport) {
            add("<section id=\"stages\"><h2>Stages</h2>")
            add(
                "<table class=\"sortable stages\"><thead><tr><th><button type=\"button\">stage</button></th>"
                    + "<th><button type=\"button\">status</button></th><th class=\"num\"><button type=\"button\">seconds</button></th>"
                    + "<th>summary</th></tr></thead><tbody>")
            for s in report.stages {
                add(
                    "<tr><td>\(h(s.name))</td><td><span class=\"badge \(h(s.status))\">\(h(s.status))</span></td>"
                        + "<td class=\"num\">\(String(format: "%.2f", s.seconds))</td><td>\(h(Redaction.redact(s.summary)))</td></tr>"
                )
            }
            add("</tbody></table></section>")
        }

        /// What the webhooks missed: findings per failure of the real-time path with its meaning, per cause
        /// code with its attribution, and the sync latency table.
        mutating func webhooks(_ report: RunReport) {
            add("<section id=\"webhooks\"><h2>What the webhooks missed</h2>")
            guard let health = report.webhookHealth else {
                add("<p class=\"muted\">The reconciliation did not run.</p></section>")
                return
            }
            if !health.causes.isEmpty {
                add(
                    "<table class=\"sortable\"><thead><tr><th><button type=\"button\">failure</button></th>"
                        + "<th class=\"num\"><button type=\"button\">findings</button></th><th>meaning</th></tr></thead><tbody>"
                )
                for (failure, count) in health.failures {
                    add(
                        "<tr><td>\(h(failure?.title ?? "unattributed"))</td><td class=\"num\">\(count)</td>"
                            + "<td>\(h(failure?.explanation ?? "cause unknown to this build"))</td></tr>")
                }
                add("</tbody></table>")
                add(
                    "<table class=\"sortable\"><thead><tr><th><button type=\"button\">cause</button></th>"
                        + "<th class=\"num\"><button type=\"button\">findings</button></th>"
                        + "<th><button type=\"button\">attributed to</button></th><th>probable cause</th></tr></thead><tbody>"
                )
                for c in health.causes {
                    add(
                        "<tr><td><code>\(h(c.cause))</code></td><td class=\"num\">\(c.count)</td>"
                            + "<td>\(h(c.failure?.title ?? "unattributed"))</td><td>\(h(c.text ?? "—"))</td></tr>")
                }
                add("</tbody></table>")
            } else {
                add("<p>No finding to attribute.</p>")
            }
            if !health.latency.isEmpty {
                add("<h3>Sync latency: Bitrix change → catalog <code>updated_at</code></h3>")
                add(
                    "<p class=\"muted\">\(h(health.clock)). “Behind” rows are older in the catalog than Bitrix's last "
                        + "change: that change never arrived.</p>")
                add(
                    "<table><thead><tr><th>entity</th><th class=\"num\">rows with both times</th>"
                        + "<th class=\"num\">caught up</th><th class=\"num\">behind Bitrix</th><th class=\"num\">p50</th>"
                        + "<th class=\"num\">p95</th><th class=\"num\">max</th></tr></thead><tbody>")
                for l in health.latency {
                    let span = { (v: Int64?) in v.map { ReportText.span(seconds: $0) } ?? "—" }
                    add(
                        "<tr><td>\(h(l.entity))</td><td class=\"num\">\(l.pairs)</td><td class=\"num\">\(l.pairs - l.behind)</td>"
                            + "<td class=\"num\">\(l.behind)</td><td class=\"num\" data-sort=\"\(l.p50Seconds ?? -1)\">\(span(l.p50Seconds))</td>"
                            + "<td class=\"num\">\(span(l.p95Seconds))</td><td class=\"num\">\(span(l.maxSeconds))</td></tr>"
                    )
                }
                add("</tbody></table>")
            }
            add("</section>")
        }

        /// Systematic losses, one row per field; the section is left out when there are none.
        mutating func systematic(_ report: RunReport) {
            guard let r = report.reconciliation, !r.systematic.isEmpty else { return }
            add("<section id=\"systematic\"><h2>Systematic losses of the webhook path</h2>")
            add("<p class=\"muted\">Counted once per field, never listed per product.</p>")
            add(
                "<table><thead><tr><th>field</th><th class=\"num\">products</th><th>what the webhook does</th></tr></thead><tbody>"
            )
            for s in r.systematic {
                add(
                    "<tr><td><code>\(h(s.field))</code></td><td class=\"num\">\(s.count)</td><td>\(h(s.explanation))</td></tr>"
                )
            }
            add("</tbody></table></section>")
        }

        /// An `image.duplicate` pair's two pictures side by side (inline JPEG thumbnails, so the file stays
        /// self-contained) above the verifier's scores and transform; empty for other findings.
        func duplicatePictures(_ d: Discrepancy, _ report: RunReport) -> String {
            guard d.kind == .imageDuplicate else { return "" }
            let ids = d.key.split(separator: "|").map(String.init)
            let thumbnails = report.similarity?.thumbnails ?? [:]
            var out = "<div class=\"pair\">"
            for id in ids {
                if let jpeg = thumbnails[id], !jpeg.isEmpty {
                    out +=
                        "<figure><img alt=\"product \(h(id))\" src=\"data:image/jpeg;base64,"
                        + Data(jpeg).base64EncodedString() + "\"><figcaption>\(h(id))</figcaption></figure>"
                }
            }
            out += "</div>"
            if let scores = d.catalogNormalized { out += "<small class=\"scores\">\(h(scores))</small>" }
            return out
        }

        /// One side's value for a table cell: escaped text, or a muted `absent` (`nil`) or `empty` (`""`), so
        /// the two never look alike.
        func value(_ text: String?) -> String {
            guard let text else { return "<span class=\"absent\">absent</span>" }
            return text.isEmpty ? "<span class=\"absent\">empty</span>" : h(text)
        }

        /// The findings: the filter bar (text, kind, state), then one collapsible table per kind with key,
        /// field, item, both values side by side, probable cause, planned action, webhook failure and how
        /// long the finding has been open. Rows carry `data-kind` and `data-state` for the filters.
        mutating func findings(_ report: RunReport, rowsPerKind: Int) {
            add("<section id=\"findings\"><h2>Findings</h2>")
            guard !report.discrepancies.isEmpty else {
                add("<p>No discrepancies.</p></section>")
                return
            }
            add(
                "<div class=\"filters\"><label>Filter <input id=\"filter-text\" type=\"search\" "
                    + "placeholder=\"key, value, cause…\"></label>")
            add("<label>Kind <select id=\"filter-kind\"><option value=\"\">all kinds</option>")
            for (kind, items) in report.byKind {
                add("<option value=\"\(h(kind.rawValue))\">\(h(kind.rawValue)) (\(items.count))</option>")
            }
            add("</select></label>")
            if report.history != nil {
                add(
                    "<label>State <select id=\"filter-state\"><option value=\"\">new and persisting</option>"
                        + "<option value=\"new\">new</option><option value=\"persisting\">persisting</option></select></label>"
                )
            }
            add(
                "<span class=\"muted\"><span id=\"filter-shown\">\(report.discrepancies.count)</span> shown</span></div>"
            )
            for (kind, items) in report.byKind {
                let shown = items.prefix(rowsPerKind)
                add(
                    "<details class=\"kind\" open id=\"kind-\(h(kind.rawValue))\"><summary><h3><code>\(h(kind.rawValue))</code> · "
                        + "<span class=\"shown\">\(shown.count)</span> of \(items.count)</h3></summary>")
                add(
                    "<table class=\"sortable\"><thead><tr><th><button type=\"button\">key</button></th>"
                        + "<th><button type=\"button\">field</button></th><th><button type=\"button\">item</button></th>"
                        + "<th>Bitrix │ catalog</th><th><button type=\"button\">probable cause</button></th>"
                        + "<th><button type=\"button\">action</button></th><th><button type=\"button\">webhook failure</button></th>"
                        + "<th><button type=\"button\">open</button></th></tr></thead><tbody>")
                for d in shown {
                    let state = report.state(of: d)?.rawValue ?? ""
                    var open = "—"
                    var openSort = "0"
                    if let history = report.history, let origin = history.origin(of: d) {
                        openSort = String(origin.runID)
                        open =
                            history.state(of: d) == .new
                            ? "<span class=\"badge new\">new</span>"
                            : "<span class=\"badge persisting\">since \(h(ReportText.openSince(origin, runStartedAt: report.run.startedAt)))</span>"
                    }
                    add(
                        "<tr data-kind=\"\(h(kind.rawValue))\" data-state=\"\(h(state))\">"
                            + "<td data-sort=\"\(h(d.key))\">\(h(d.key))</td><td>\(d.field.map(h) ?? "")</td><td>\(d.item.map(h) ?? "")</td>"
                            + "<td><div class=\"side\"><div class=\"b\" title=\"Bitrix\">\(value(d.bitrixValue))</div>"
                            + "<div class=\"c\" title=\"catalog\">\(value(d.catalogValue))</div></div>"
                            + duplicatePictures(d, report) + "</td>"
                            + "<td class=\"cause\">\(h(d.probableCause ?? "—"))<small><code>\(h(d.cause ?? ""))</code></small></td>"
                            + "<td>\(h(d.action ?? "—"))</td><td>\(h(report.webhookFailure(of: d)?.title ?? "—"))</td>"
                            + "<td data-sort=\"\(openSort)\">\(open)</td></tr>")
                }
                add("</tbody></table>")
                if items.count > shown.count {
                    add(
                        "<p class=\"muted\">\(items.count - shown.count) more in <code>csv/\(h(kind.rawValue)).csv</code>.</p>"
                    )
                }
                add("</details>")
            }
            add("</section>")
        }

        /// The previous comparable run's findings this run no longer has, with their last values; says why
        /// when there is no such run or when a partial run could not tell.
        mutating func resolved(_ report: RunReport, rows: Int) {
            add("<section id=\"resolved\"><h2>Resolved since the previous run</h2>")
            guard let history = report.history, let previous = history.previous else {
                add("<p class=\"muted\">No earlier comparable run.</p></section>")
                return
            }
            guard history.resolvedComputed else {
                add(
                    "<p class=\"muted\">Not computed: this run read partial input, so an absence proves nothing.</p></section>"
                )
                return
            }
            guard !history.resolved.isEmpty else {
                add("<p>Nothing of run \(previous.runID)'s findings was resolved.</p></section>")
                return
            }
            add(
                "<table class=\"sortable\"><thead><tr><th><button type=\"button\">kind</button></th>"
                    + "<th><button type=\"button\">key</button></th><th>field</th><th>item</th><th>was: Bitrix │ catalog</th>"
                    + "</tr></thead><tbody>")
            for d in history.resolved.prefix(rows) {
                add(
                    "<tr><td><code>\(h(d.kind.rawValue))</code></td><td>\(h(d.key))</td><td>\(d.field.map(h) ?? "")</td>"
                        + "<td>\(d.item.map(h) ?? "")</td><td><div class=\"side\"><div class=\"b\">\(value(d.bitrixValue))</div>"
                        + "<div class=\"c\">\(value(d.catalogValue))</div></div></td></tr>")
            }
            add("</tbody></table></section>")
        }

        /// The footer (generator, schema version, where the full data is) and the inline script that sorts
        /// and filters the tables.
        mutating func footer(_ report: RunReport) {
            add(
                "<footer>Written by \(h(report.generator ?? "backstop")) · report schema \(h(RunReport.schemaVersion)) · "
                    + "the same data as report.json, discrepancies.ndjson and csv/.</footer>")
            add("<script>\(HTMLAssets.script)</script>")
            add("</body>")
            add("</html>")
        }
    }
}

extension ReportFormat where Self == HTMLReportFormat {
    /// The HTML report with the default cap of 2000 rows per kind.
    public static var html: HTMLReportFormat { HTMLReportFormat() }
}
