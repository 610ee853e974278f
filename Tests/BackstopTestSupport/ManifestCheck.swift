public import Foundation

/// Compares a run's `discrepancies.ndjson` with a world's `manifest.jsonl` both ways (recall and
/// precision) on the identity (kind, key, field, item).
public struct ManifestCheck: Sendable {
    /// Planted items the run did not report.
    public var missing: [String]
    /// Reported items nothing planted.
    public var extra: [String]
    /// Planted items compared.
    public var planted: Int
    /// Hard negatives compared (items that look like findings but must not be reported).
    public var negatives: Int = 0
    /// Hard negatives the run reported (also in ``extra``).
    public var reportedNegatives: [String] = []

    /// Whether the run found exactly what was planted.
    public var isExact: Bool { missing.isEmpty && extra.isEmpty }

    /// One line for a failed expectation.
    public var summary: String {
        "planted \(planted); missing \(missing.count): \(missing.prefix(5)); extra \(extra.count): \(extra.prefix(5))"
    }

    /// Checks `ndjson` against `manifest`, leaving out kinds whose prefix is in `excluding`
    /// (`embedding.`, `image.`: the index stage's) and entries of shops outside `shops` (the run's shops;
    /// the default is the home shop 17008, what a run without `--shop` reports; `nil` keeps every shop).
    /// An entry without `shop` (a world older than generator 1.3.0) belongs to 17008. `negatives` (a world's
    /// `negatives.jsonl`, same shape) names look-alikes that must not be reported, filtered the same way.
    public static func compare(
        manifest: URL, ndjson: URL, excluding: [String] = ["embedding.", "image."], shops: Set<Int>? = [17008],
        negatives: URL? = nil
    ) throws -> ManifestCheck {
        func identities(_ url: URL, filter: Bool) throws -> [String: Int] {
            var out: [String: Int] = [:]
            for line in try Data(contentsOf: url).split(separator: 10) where !line.isEmpty {
                guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                    let kind = object["kind"] as? String, let key = object["key"] as? String
                else { continue }
                if filter && excluding.contains(where: { kind.hasPrefix($0) }) { continue }
                if filter, let shops, !shops.contains((object["shop"] as? Int) ?? 17008) { continue }
                let identity = [kind, key, object["field"] as? String ?? "-", object["item"] as? String ?? "-"]
                    .joined(separator: " ")
                out[identity, default: 0] += 1
            }
            return out
        }
        let expected = try identities(manifest, filter: true)
        let found = try identities(ndjson, filter: false)
        var missing: [String] = []
        var extra: [String] = []
        for (identity, count) in expected where (found[identity] ?? 0) < count { missing.append(identity) }
        for (identity, count) in found where (expected[identity] ?? 0) < count { extra.append(identity) }
        let unwanted = try negatives.map { try identities($0, filter: true) } ?? [:]
        return ManifestCheck(
            missing: missing.sorted(), extra: extra.sorted(), planted: expected.values.reduce(0, +),
            negatives: unwanted.values.reduce(0, +),
            reportedNegatives: unwanted.keys.filter { found[$0] != nil }.sorted())
    }
}
