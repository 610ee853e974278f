import BackstopModel
import Foundation

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
        let encoder = DiscrepancyJSON.lineEncoder()
        for d in report.discrepancies {
            DiscrepancyJSON.append(DiscrepancyJSON.value(d, in: report, history: false), with: encoder, into: &out)
            out.append(0x0A)
        }
    }
}

extension ReportFormat where Self == NDJSONReportFormat {
    /// The NDJSON discrepancy list.
    public static var ndjson: NDJSONReportFormat { NDJSONReportFormat() }
}

/// One discrepancy as a JSON object (``DiscrepancyObject``), written with sorted keys: in `report.json`
/// (with its history) and as a line of `discrepancies.ndjson` (without it).
enum DiscrepancyJSON {
    /// The object of `d`: with a report, its shop, its attribution and (unless `history` is false) its
    /// history `state`, `first_seen_run` and `first_seen_at`.
    static func value(_ d: Discrepancy, in report: RunReport?, history withHistory: Bool = true) -> DiscrepancyObject {
        var object = DiscrepancyObject(discrepancy: d)
        object.shop = report?.inputs["shop_id"].flatMap { Int64($0) }
        if let report {
            if withHistory, let history = report.history {
                object.state = history.state(of: d).rawValue
                if let origin = history.origin(of: d) {
                    object.firstSeenRun = origin.runID
                    object.firstSeenAt = ReportText.iso8601(origin.at)
                }
            }
            if report.webhookHealth != nil { object.webhookFailure = .some(report.webhookFailure(of: d)?.rawValue) }
        }
        return object
    }

    /// The encoder of one compact line: sorted keys, `/` unescaped.
    static func lineEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Appends `object` as one compact JSON object (no newline).
    static func append(_ object: DiscrepancyObject, with encoder: JSONEncoder, into out: inout [UInt8]) {
        // Strings, numbers and nulls only: encoding cannot fail.
        guard let data = try? encoder.encode(object) else { preconditionFailure("a discrepancy always encodes") }
        out.append(contentsOf: data)
    }
}
