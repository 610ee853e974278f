public import Foundation

/// The fleet page of a multi-shop run (`index.html`, self-contained): one row per shop, worst first (most
/// findings), one column per discrepancy kind, what is new since the shop's previous run, and a link to each
/// shop's report; catalog shops that are not Bitrix sellers are listed as out of scope. `fleet.json` beside
/// it carries the same table for scripts.
///
/// A multi-shop run writes it from its shops' results; `backstop fleet --since` assembles it from the
/// ledger's newest run of each shop (the partitions of a fleet, run by separate workers). An on-call
/// engineer sees at a glance which shops drifted last night and opens only those reports. It is not a
/// ``ReportFormat``: it summarises several runs, not one.
public struct FleetPage: Sendable {
    /// One shop's row.
    public struct Shop: Sendable, Codable {
        /// The shop id (the Bitrix seller id).
        public var id: Int64
        /// The catalog's name of the shop.
        public var name: String
        /// The shop's run in the ledger.
        public var runID: Int64?
        /// The run's status (ledger text).
        public var status: String
        /// Findings per kind.
        public var kinds: [String: Int]
        /// Findings not in the shop's previous comparable run.
        public var newCount: Int
        /// The shop's report folder, relative to the page.
        public var report: String?

        /// Records one shop's row.
        /// - Parameters:
        ///   - id: The shop id.
        ///   - name: The catalog's name of the shop (may be empty).
        ///   - runID: The shop's run, `nil` when it has none in the window.
        ///   - status: The run's status as the ledger writes it.
        ///   - kinds: Findings per discrepancy kind (raw value).
        ///   - newCount: Findings new since the shop's previous comparable run.
        ///   - report: The shop's report folder relative to the page, `nil` when there is none to link.
        public init(
            id: Int64, name: String, runID: Int64?, status: String, kinds: [String: Int], newCount: Int,
            report: String?
        ) {
            self.id = id
            self.name = name
            self.runID = runID
            self.status = status
            self.kinds = kinds
            self.newCount = newCount
            self.report = report
        }

        /// Every finding of the shop.
        public var total: Int { kinds.values.reduce(0, +) }
    }

    /// The run kind (`nightly`, `diff`).
    public var kind: String
    /// The shops, in any order (the page sorts them worst first).
    public var shops: [Shop]
    /// Catalog shops outside the fleet (id, name).
    public var outOfScope: [(id: Int64, name: String)]
    /// "backstop <version>".
    public var generator: String

    /// Gathers the fleet's rows.
    /// - Parameters:
    ///   - kind: The run kind the page summarises.
    ///   - shops: One row per shop, in any order.
    ///   - outOfScope: Catalog shops that are not Bitrix sellers (listed, not checked).
    ///   - generator: The program and version that wrote it.
    public init(kind: String, shops: [Shop], outOfScope: [(id: Int64, name: String)], generator: String) {
        self.kind = kind
        self.shops = shops
        self.outOfScope = outOfScope
        self.generator = generator
    }

    /// The shops worst first: most findings, then most new ones, then by id.
    public var ranked: [Shop] {
        shops.sorted {
            ($0.total, $0.newCount, -$0.id) > ($1.total, $1.newCount, -$1.id)
        }
    }

    /// `target` relative to `folder` when they share more than the root, else `target`'s absolute path, so
    /// the page's links keep working when the whole reports folder is copied elsewhere.
    ///
    /// ```swift
    /// FleetPage.relativeLink(from: URL(fileURLWithPath: "/r/fleet"), to: URL(fileURLWithPath: "/r/17008"))
    /// // "../17008"
    /// ```
    /// - Parameters:
    ///   - folder: The folder the page is written to.
    ///   - target: The folder or file to link to.
    /// - Returns: A relative path with `/` separators, or an absolute path.
    public static func relativeLink(from folder: URL, to target: URL) -> String {
        let base = folder.standardizedFileURL.pathComponents
        let path = target.standardizedFileURL.pathComponents
        var common = 0
        while common < base.count && common < path.count && base[common] == path[common] { common += 1 }
        guard common > 1 else { return target.standardizedFileURL.path }
        return (Array(repeating: "..", count: base.count - common) + path[common...]).joined(separator: "/")
    }

    /// The page's HTML: a heading with the shop count, the table (shop linked to its `report.html`, status,
    /// total, new, one column per kind that occurs in any shop; clean rows tinted, zeros muted) and the
    /// out-of-scope list. Every name is HTML-escaped; nothing depends on the clock.
    public var html: String {
        let rows = ranked
        let kinds = Set(shops.flatMap(\.kinds.keys)).sorted()
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>Backstop fleet: \(ReportText.html(kind))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}
            th:first-child,td:first-child{text-align:left}td.zero{color:#bbb}tr.clean td{background:#f4fbf4}
            .new{color:#b00;font-weight:600}
            </style></head><body>
            <h1>Backstop fleet — \(ReportText.html(kind)), \(rows.count) shops</h1>
            <table id="fleet"><thead><tr><th>shop</th><th>status</th><th>total</th><th>new</th>
            """
        for kind in kinds { out += "<th>\(ReportText.html(kind))</th>" }
        out += "</tr></thead><tbody>\n"
        for shop in rows {
            let label = "\(shop.id)" + (shop.name.isEmpty ? "" : " " + shop.name)
            let link =
                shop.report.map { "<a href=\"\(ReportText.html($0))/report.html\">\(ReportText.html(label))</a>" }
                ?? ReportText.html(label)
            out += "<tr data-shop=\"\(shop.id)\"\(shop.total == 0 ? " class=\"clean\"" : "")><td>\(link)</td>"
            out += "<td>\(ReportText.html(shop.status))</td><td>\(shop.total)</td>"
            out += "<td\(shop.newCount > 0 ? " class=\"new\"" : "")>\(shop.newCount)</td>"
            for kind in kinds {
                let n = shop.kinds[kind] ?? 0
                out += "<td\(n == 0 ? " class=\"zero\"" : "")>\(n)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody></table>\n"
        if !outOfScope.isEmpty {
            out += "<h2>Out of scope</h2><p>Catalog shops that are not Bitrix sellers:</p><ul id=\"out-of-scope\">"
            for shop in outOfScope { out += "<li>\(shop.id) \(ReportText.html(shop.name))</li>" }
            out += "</ul>\n"
        }
        out += "<p><small>\(ReportText.html(generator))</small></p></body></html>\n"
        return out
    }

    /// Writes `index.html` and `fleet.json` (kind, the ranked shops, the out-of-scope ids; sorted keys) into
    /// `folder`, each atomically.
    ///
    /// - Parameter folder: The fleet's report folder (created if needed).
    /// - Returns: the page's path.
    /// - Throws: ``ReportError`` naming the file.
    @discardableResult
    public func write(to folder: URL) throws(ReportError) -> URL {
        let page = folder.appendingPathComponent("index.html")
        try ReportWriter.writeAtomically(Array(html.utf8), to: page)
        struct Document: Encodable {
            var kind: String
            var shops: [Shop]
            var outOfScope: [Int64]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json =
            (try? encoder.encode(Document(kind: kind, shops: ranked, outOfScope: outOfScope.map(\.id)))) ?? Data()
        try ReportWriter.writeAtomically(Array(json), to: folder.appendingPathComponent("fleet.json"))
        return page
    }
}
