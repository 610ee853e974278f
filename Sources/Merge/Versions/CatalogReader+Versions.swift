public import BackstopExtract
public import BackstopModel
public import BackstopPostgres

/// The version of every row of one shop a merge plan may write, read in the extract's snapshot.
///
/// A plan step carries the version its row had when compared; the apply writes the row only if it
/// still has that version, so a webhook that wrote the row in between wins and the step becomes a
/// conflict instead of an overwrite.
public struct CatalogVersions: Sendable, Hashable {
    /// `product.id` → version (with the product's image rows).
    public var products: [Int64: RowVersion]
    /// `"order".id` → version.
    public var orders: [Int64: RowVersion]

    /// Versions by row id; either map may be empty (a plan without product or order steps).
    public init(products: [Int64: RowVersion] = [:], orders: [Int64: RowVersion] = [:]) {
        self.products = products
        self.orders = orders
    }
}

/// The one definition of a row version, shared by the extract (what a step was planned against) and the
/// apply (whether the row is still that version): `xmin` and md5 of the compared columns' row text.
///
/// Both parts are needed: `xmin` changes on every write (also one that rewrites the same values, such as
/// a webhook replaying an event), the checksum catches a change to an image row, which leaves the
/// product's `xmin` alone. Keeping the expressions in one place means the extract and the apply can
/// never compute versions differently.
public enum CatalogVersionSQL {
    /// `xmin` of `product p` as bigint.
    public static let productXmin: PGQuery = "p.xmin::text::bigint"
    /// md5 of `product p`'s compared columns with its `productimage` rows (url, "order", is_primary) in
    /// "order", id order: an image rewrite changes a product's version although its row stays.
    public static let productChecksum: PGQuery = """
        md5(ROW(p.shop_id, p.name, p.price, p.enabled, p.image, p.width, p.height, \
        (SELECT array_agg(ROW(i.url, i."order", i.is_primary) ORDER BY i."order", i.id) \
        FROM productimage i WHERE i.product_id = p.id))::text)
        """
    /// `xmin` of `"order" o` as bigint.
    public static let orderXmin: PGQuery = "o.xmin::text::bigint"
    /// md5 of `"order" o`'s compared columns: read with the version and recorded, but the apply checks an
    /// order by its `xmin` alone (an order's version is its own row, whose every write changes `xmin`).
    public static let orderChecksum: PGQuery = """
        md5(ROW(o.shop_id, o.status, o.bitrix_order_id, o.total, o.subtotal, o.delivery_cost, o."customerName", \
        o.phone, o.recipient_name, o.recipient_phone, o.delivery_address, o.pickup_address, o.delivery_date, \
        o.delivery_type)::text)
        """
}

extension CatalogReader {
    /// The versions of one shop's products and orders (every shop's when `shopID` is `nil`, for a run of
    /// several shops). Read them on the connection (and in the transaction) the compared rows came from, so
    /// each version is the one the comparison saw.
    ///
    /// - Parameter shopID: The shop whose rows a plan may write; `nil` for every shop.
    /// - Returns: The versions of the shop's products and orders.
    /// - Throws: `PGError` or `ExtractError` when a read fails.
    public func versions(shopID: Int64?) throws -> CatalogVersions {
        func read(_ select: PGQuery, _ source: String) throws -> [Int64: RowVersion] {
            let cursor = try copy(select, source: source, fields: 3, shopID: shopID) { row, _ in
                (
                    try row.required(0, row.integer),
                    RowVersion(xmin: try row.required(1, row.integer), checksum: row.string(2) ?? "")
                )
            }
            var out: [Int64: RowVersion] = [:]
            while let pair = try cursor.next() { out[pair.0] = pair.1 }
            return out
        }
        let products = try read(
            """
            SELECT p.id, \(CatalogVersionSQL.productXmin), \(CatalogVersionSQL.productChecksum) FROM product p \
            WHERE \(Self.shopFilter) IS NULL OR p.shop_id = \(Self.shopFilter)
            """, "product")
        let orders = try read(
            """
            SELECT o.id, \(CatalogVersionSQL.orderXmin), \(CatalogVersionSQL.orderChecksum) FROM "order" o \
            WHERE \(Self.shopFilter) IS NULL OR o.shop_id = \(Self.shopFilter)
            """, "order")
        return CatalogVersions(products: products, orders: orders)
    }
}
