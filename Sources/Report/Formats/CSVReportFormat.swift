public import BackstopModel

/// `csv/<kind>.csv`: one RFC 4180 file per discrepancy kind (every kind, so a script can rely on the file),
/// with a fixed header per kind (`run_id`, `shop` — the run's shop —, `kind`, …) and every row as wide as its
/// header; CRLF line ends, UTF-8 without BOM. Written by ``CSVWriter`` in its spreadsheet dialect: quoted
/// only where RFC 4180 needs it, fields that a spreadsheet would run as a formula prefixed with `'`, controls
/// and bidi overrides shown as `⟨U+001B⟩` (``SafeText``).
///
/// These files hold every finding, where report.md and report.html show samples: the operator's way to
/// filter a million findings in a spreadsheet or `csvkit`, and a loader's way into another database.
public struct CSVReportFormat: ReportFormat {
    /// The CSV format; it has no options.
    public init() {}

    /// The folder of the files: `csv` (so the paths are `csv/<kind>.csv`).
    public var fileName: String { "csv" }

    /// The columns of a kind's file, in order: `field` only for kinds about a value, `item` only for order
    /// line kinds; history columns are empty without history.
    /// - Parameter kind: The discrepancy kind.
    /// - Returns: The header's column names.
    public static func columns(for kind: DiscrepancyKind) -> [String] {
        var columns = ["run_id", "shop", "kind", "entity", "key"]
        if hasField(kind) { columns.append("field") }
        if hasItem(kind) { columns.append("item") }
        columns += [
            "bitrix", "catalog", "bitrix_normalized", "catalog_normalized", "rule", "cause", "probable_cause",
            "webhook_failure", "action", "severity", "state", "first_seen_run", "first_seen_at",
        ]
        return columns
    }

    /// Kinds about a whole row's existence carry no field.
    static func hasField(_ kind: DiscrepancyKind) -> Bool {
        ![.productMissing, .productOrphan, .orderMissing, .orderOrphan, .orderItemMissing, .orderItemExtra].contains(
            kind)
    }

    /// Item-level kinds name the order line's product.
    static func hasItem(_ kind: DiscrepancyKind) -> Bool {
        [.orderItemMissing, .orderItemExtra, .orderItemField, .orderDanglingProduct].contains(kind)
    }

    /// The file of one kind: the header, then one row per finding of that kind in report order (only the
    /// header when there is none).
    /// - Parameters:
    ///   - kind: The kind whose file to render.
    ///   - report: The run's report.
    ///   - out: The buffer the file's bytes are appended to.
    public func render(kind: DiscrepancyKind, of report: RunReport, into out: inout [UInt8]) {
        var writer = CSVWriter(header: Self.columns(for: kind), dialect: .spreadsheet)
        func row(_ fields: [String?]) {
            for field in fields { writer.field(field, into: &out) }
            // Every row is built from the kind's columns, so the width always matches.
            do { try writer.endRecord(into: &out) } catch { assertionFailure("\(error)") }
        }
        writer.writeHeader(into: &out)
        let field = Self.hasField(kind)
        let item = Self.hasItem(kind)
        for d in report.discrepancies where d.kind == kind {
            var fields: [String?] = [String(report.run.id), report.inputs["shop_id"], d.kind.rawValue, d.entity, d.key]
            if field { fields.append(d.field) }
            if item { fields.append(d.item) }
            let origin = report.history?.origin(of: d)
            fields += [
                d.bitrixValue, d.catalogValue, d.bitrixNormalized, d.catalogNormalized, d.parser, d.cause,
                d.probableCause,
                report.webhookFailure(of: d)?.rawValue, d.action, d.severity.rawValue, report.state(of: d)?.rawValue,
                origin.map { String($0.runID) }, origin.map { ReportText.iso8601($0.at) },
            ]
            row(fields)
        }
    }

    /// Every kind's file under `csv/`, in kind order, including kinds without findings.
    /// - Parameter report: The run's report.
    /// - Returns: One file per `DiscrepancyKind`.
    public func files(for report: RunReport) -> [ReportFile] {
        DiscrepancyKind.allCases.sorted().map { kind in
            var bytes: [UInt8] = []
            render(kind: kind, of: report, into: &bytes)
            return ReportFile(path: "\(fileName)/\(kind.rawValue).csv", bytes: bytes)
        }
    }

    /// Every kind's file one after another (a preview; the files are what is written).
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the files' bytes are appended to.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        for file in files(for: report) { out += file.bytes }
    }
}

extension ReportFormat where Self == CSVReportFormat {
    /// The per-kind CSV files.
    public static var csv: CSVReportFormat { CSVReportFormat() }
}
