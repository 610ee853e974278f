import BackstopPostgres

/// A product's curated labels: the catalog's `colors`, `occasions` and `tags` JSON columns as stored (JSON
/// text), `nil` for SQL NULL. Only the Cloudflare export needs them (Vectorize metadata, D1 `bouquets`), so
/// they are read apart from the product stream that every diff pays for.
public struct CatalogProductLabels: Sendable, Hashable {
    /// `product.colors` as JSON text.
    public var colors: String?
    /// `product.occasions` as JSON text.
    public var occasions: String?
    /// `product.tags` as JSON text.
    public var tags: String?

    /// Labels as stored; each argument is the column's JSON text, `nil` for SQL NULL.
    public init(colors: String? = nil, occasions: String? = nil, tags: String? = nil) {
        self.colors = colors
        self.occasions = occasions
        self.tags = tags
    }
}

extension CatalogReader {
    /// The labels of a shop's products (every product when `shopID` is `nil`), by product id; products
    /// whose three columns are all NULL are left out.
    ///
    /// - Parameter shopID: The shop, or `nil` for all.
    /// - Returns: Labels by product id.
    /// - Throws: `PGError` if the query fails (for example a catalog without these columns).
    public func labels(shopID: Int64? = nil) throws -> [Int64: CatalogProductLabels] {
        let result = try connection.execute(
            """
            SELECT p.id, p.colors::text, p.occasions::text, p.tags::text FROM product p \
            WHERE (\(shopID)::bigint IS NULL OR p.shop_id = \(shopID)::bigint) \
            AND (p.colors IS NOT NULL OR p.occasions IS NOT NULL OR p.tags IS NOT NULL)
            """)
        var labels: [Int64: CatalogProductLabels] = [:]
        labels.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            labels[Int64(try result.int(row: row, column: 0))] = CatalogProductLabels(
                colors: result.string(row: row, column: 1), occasions: result.string(row: row, column: 2),
                tags: result.string(row: row, column: 3))
        }
        return labels
    }
}
