import BackstopModel

/// `discrepancies.ndjson`: one JSON object per discrepancy and line, for tools and tests.
public struct NDJSONReportFormat: ReportFormat {
    /// Creates the format.
    public init() {}

    /// `discrepancies.ndjson`.
    public var fileName: String { "discrepancies.ndjson" }

    /// One object per line, in report order.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        for d in report.discrepancies {
            out.append(contentsOf: DiscrepancyJSON.object(d).utf8)
            out.append(0x0A)
        }
    }
}

extension ReportFormat where Self == NDJSONReportFormat {
    /// The NDJSON discrepancy list.
    public static var ndjson: NDJSONReportFormat { NDJSONReportFormat() }
}

/// One discrepancy as a JSON object with a fixed key order: `kind`, `entity`, `key`, `field` (string or
/// null), `item` (item-level kinds), `bitrix`, `catalog`, `cause`, `action`, then the normalised values,
/// the rule, the cause text and the severity.
enum DiscrepancyJSON {
    static func object(_ d: Discrepancy) -> String {
        func opt(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        var fields = [
            "\"kind\": \(jsonString(d.kind.rawValue))", "\"entity\": \(jsonString(d.entity))", "\"key\": \(jsonString(d.key))",
            "\"field\": \(opt(d.field))",
        ]
        if let item = d.item { fields.append("\"item\": \(jsonString(item))") }
        fields.append("\"bitrix\": \(opt(d.bitrixValue))")
        fields.append("\"catalog\": \(opt(d.catalogValue))")
        fields.append("\"cause\": \(opt(d.cause))")
        fields.append("\"action\": \(opt(d.action))")
        if d.bitrixNormalized != d.bitrixValue { fields.append("\"bitrix_normalized\": \(opt(d.bitrixNormalized))") }
        if d.catalogNormalized != d.catalogValue { fields.append("\"catalog_normalized\": \(opt(d.catalogNormalized))") }
        if let parser = d.parser { fields.append("\"rule\": \(jsonString(parser))") }
        if let cause = d.probableCause { fields.append("\"probable_cause\": \(jsonString(cause))") }
        fields.append("\"severity\": \(jsonString(d.severity.rawValue))")
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
