public import BackstopModel

/// Compares Bitrix products with catalog products by preserved id (a merge join over both sides sorted
/// by id) and classifies every difference.
public struct ProductDiff: Sendable {
    /// The shop whose catalog is reconciled (17008).
    public var shopID: Int64

    /// Creates a comparison for one shop.
    public init(shopID: Int64) { self.shopID = shopID }

    /// The discrepancies between the two sides.
    ///
    /// - Parameters:
    ///   - bitrix: canonical products from the dump (any order; all sellers).
    ///   - catalog: canonical products from the catalog (any order; all shops).
    /// - Complexity: O(n log n) for the sorts, then one linear pass.
    public func compare(bitrix: [CanonicalProduct], catalog: [CanonicalProduct]) -> [Discrepancy] {
        let left = bitrix.filter { $0.shopID == shopID }.sorted { $0.id < $1.id }
        let right = catalog.sorted { $0.id < $1.id }
        var out: [Discrepancy] = []
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if j == right.count || (i < left.count && left[i].id < right[j].id) {
                let b = left[i]
                if b.enabled {
                    out.append(
                        Discrepancy(
                            kind: .productMissing, key: String(b.id), bitrixValue: b.name,
                            probableCause: "product webhook lost (no retry) or never sent"))
                }
                i += 1
            } else if i == left.count || right[j].id < left[i].id {
                let c = right[j]
                if c.enabled && c.shopID == shopID {
                    out.append(
                        Discrepancy(
                            kind: .productOrphan, key: String(c.id), catalogValue: c.name,
                            probableCause: "deleted or moved in Bitrix; product.deleted webhook lost"))
                }
                j += 1
            } else {
                out.append(contentsOf: compareFields(bitrix: left[i], catalog: right[j]))
                i += 1
                j += 1
            }
        }
        return out
    }

    func compareFields(bitrix b: CanonicalProduct, catalog c: CanonicalProduct) -> [Discrepancy] {
        var out: [Discrepancy] = []
        let key = String(b.id)
        if let shop = c.shopID, shop != shopID {
            out.append(
                Discrepancy(
                    kind: .productShop, key: key, field: "shop_id", bitrixValue: String(shopID),
                    catalogValue: String(shop), probableCause: "created by the product webhook in shop 8"))
        }
        if TextNormalizer.normalized(b.name) != TextNormalizer.normalized(c.name) {
            out.append(
                Discrepancy(
                    kind: .productField, key: key, field: "name", bitrixValue: b.name, catalogValue: c.name,
                    parser: "text.nbsp-whitespace", probableCause: "rename never synced"))
        }
        if b.price != c.price {
            let cause: String
            if c.price?.value == 0 {
                cause = "price string unparsable by the webhook (NBSP/prefix) → 0"
            } else if let bp = b.price?.value, let cp = c.price?.value, bp != 0, cp == bp * 100 {
                cause = "decimal comma dropped by the webhook parser → ×100"
            } else {
                cause = "price change never synced (catalog price changes fire no webhook)"
            }
            out.append(
                Discrepancy(
                    kind: .productField, key: key, field: "price", bitrixValue: b.price?.description,
                    catalogValue: c.price?.description, parser: "price.kopecks", probableCause: cause))
        }
        if b.enabled != c.enabled {
            out.append(
                Discrepancy(
                    kind: .productField, key: key, field: "enabled", bitrixValue: String(b.enabled),
                    catalogValue: String(c.enabled),
                    probableCause: b.enabled ? "missing isAvailable re-enabled or deactivation lost" : "deactivation webhook lost"))
        }
        return out
    }
}

/// Text normalisation shared by every comparison: NBSP/U+202F and runs of whitespace become one space,
/// ends are trimmed.
public enum TextNormalizer {
    /// The normalised form of `text`.
    public static func normalized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{00A0}"
                || scalar == "\u{202F}" || scalar == "\u{2009}"
            {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        return String(out)
    }
}
