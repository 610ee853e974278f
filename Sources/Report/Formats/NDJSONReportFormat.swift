import BackstopModel

/// `discrepancies.ndjson`: one JSON object per discrepancy and line, for tools and tests: the findings
/// alone, with their attribution but without their history (state and first run live in `report.json` and
/// `csv/`), so the same inputs give the same bytes on any day and in any run.
///
/// The exactness tests read it against the world's manifest (recall and precision), and `jq` reads it in
/// a shell: `jq -r 'select(.kind == "product.field" and .field == "price") | .key' discrepancies.ndjson`.
public struct NDJSONReportFormat: ReportFormat {
    /// The NDJSON format; it has no options.
    public init() {}

    /// `discrepancies.ndjson`, in the run's report folder.
    public var fileName: String { "discrepancies.ndjson" }

    /// One object per line, in report order; an empty file for a clean run. Values keep their exact text
    /// (JSON escaping only, no `SafeText`): tools compare them byte for byte.
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the lines are appended to, each ending in `\n`.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        for d in report.discrepancies {
            out.append(contentsOf: DiscrepancyJSON.object(d, in: report, history: false).utf8)
            out.append(0x0A)
        }
    }
}

extension ReportFormat where Self == NDJSONReportFormat {
    /// The NDJSON discrepancy list.
    public static var ndjson: NDJSONReportFormat { NDJSONReportFormat() }
}

/// One discrepancy as a JSON object with a fixed key order: `kind`, `entity`, `key`, `shop` (the report's
/// shop, a number, with a report that names one), `field` (string or null), `item` (item-level kinds),
/// `bitrix`, `catalog`, `cause`, `action`, then the normalised values, the rule, the cause text, the severity
/// and the `measures` (an `image.duplicate` pair's scores and transform, keys sorted); with a report, the
/// `webhook_failure` it is attributed to and
/// (unless `history` is false) its history `state`, `first_seen_run` and `first_seen_at`.
enum DiscrepancyJSON {
    static func object(_ d: Discrepancy, in report: RunReport?, history withHistory: Bool = true) -> String {
        func opt(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        var fields = [
            "\"kind\": \(jsonString(d.kind.rawValue))", "\"entity\": \(jsonString(d.entity))",
            "\"key\": \(jsonString(d.key))",
        ]
        if let shop = report?.inputs["shop_id"].flatMap({ Int64($0) }) { fields.append("\"shop\": \(shop)") }
        fields.append("\"field\": \(opt(d.field))")
        if let item = d.item { fields.append("\"item\": \(jsonString(item))") }
        fields.append("\"bitrix\": \(opt(d.bitrixValue))")
        fields.append("\"catalog\": \(opt(d.catalogValue))")
        fields.append("\"cause\": \(opt(d.cause))")
        fields.append("\"action\": \(opt(d.action))")
        if d.bitrixNormalized != d.bitrixValue { fields.append("\"bitrix_normalized\": \(opt(d.bitrixNormalized))") }
        if d.catalogNormalized != d.catalogValue {
            fields.append("\"catalog_normalized\": \(opt(d.catalogNormalized))")
        }
        if let parser = d.parser { fields.append("\"rule\": \(jsonString(parser))") }
        if let cause = d.probableCause { fields.append("\"probable_cause\": \(jsonString(cause))") }
        fields.append("\"severity\": \(jsonString(d.severity.rawValue))")
        if let measures = d.measures, !measures.isEmpty {
            let members = measures.sorted { $0.key < $1.key }.map { key, value in
                "\(jsonString(key)): \(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value))"
            }
            fields.append("\"measures\": {" + members.joined(separator: ", ") + "}")
        }
        if let report {
            if withHistory, let history = report.history {
                fields.append("\"state\": \(jsonString(history.state(of: d).rawValue))")
                if let origin = history.origin(of: d) {
                    fields.append("\"first_seen_run\": \(origin.runID)")
                    fields.append("\"first_seen_at\": \(jsonString(ReportText.iso8601(origin.at)))")
                }
            }
            if report.webhookHealth != nil {
                fields.append("\"webhook_failure\": \(opt(report.webhookFailure(of: d)?.rawValue))")
            }
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
