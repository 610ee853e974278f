import BackstopModel
import BackstopPostgres
import Logging

extension CatalogReader {
    /// 12 fields: id, shop_id, name, price, type, description, width, height, enabled, image,
    /// created_at, updated_at. `type` is sent as the enum itself: its binary form is the label, and
    /// this skips the server's enum → text I/O conversion (about a quarter of the server's time).
    static var productColumns: PGQuery {
        """
        p.id, p.shop_id, p.name, p.price, p.type, p.description, p.width, p.height, p.enabled, \
        p.image, p.created_at, p.updated_at
        """
    }

    /// The products alone, for the merge with ``imageQuery``: ordered by id, so the image stream (ordered
    /// by product id) can be joined in one forward pass.
    static var productQuery: PGQuery {
        """
        SELECT \(productColumns) FROM product p \
        WHERE \(shopFilter) IS NULL OR p.shop_id = \(shopFilter) \
        ORDER BY p.id
        """
    }

    /// 5 fields: product_id, id, "order", url, is_primary, sorted the way ``ProductImageMerge`` consumes
    /// them. A shop's images are found through their product; without a shop the filter costs nothing
    /// (the OR short-circuits on the InitPlan).
    static var imageQuery: PGQuery {
        """
        SELECT i.product_id, i.id, i."order", i.url, i.is_primary FROM productimage i \
        WHERE \(shopFilter) IS NULL \
        OR EXISTS (SELECT 1 FROM product p WHERE p.id = i.product_id AND p.shop_id = \(shopFilter)) \
        ORDER BY i.product_id, i."order", i.id
        """
    }

    /// 16 fields: ``productColumns``, then the image arrays urls, ids, orders, primaries. The one-stream
    /// shape, for connections inside a transaction (a second connection would not see its snapshot).
    ///
    /// The image rows are aggregated from a subquery sorted by (product_id, "order", id) instead of
    /// `array_agg(… ORDER BY …)`, which sorts every group once per aggregate (2.3× slower server-side).
    /// PostgreSQL feeds a sorted subquery to the aggregate in order, but SQL does not promise it, so the
    /// decoder checks the order with the ids and re-sorts if a plan ever delivers otherwise.
    static var aggregatedProductQuery: PGQuery {
        """
        SELECT \(productColumns), i.urls, i.ids, i.orders, i.primaries \
        FROM product p \
        LEFT JOIN (SELECT product_id, array_agg(url) AS urls, array_agg(id) AS ids, array_agg("order") AS orders, \
        array_agg(COALESCE(is_primary, false)) AS primaries \
        FROM (SELECT product_id, url, id, "order", is_primary FROM productimage \
        ORDER BY product_id, "order", id) s GROUP BY product_id) i ON i.product_id = p.id \
        WHERE \(shopFilter) IS NULL OR p.shop_id = \(shopFilter) \
        ORDER BY p.id
        """
    }

    /// Starts the product read: two streams merged client-side when a second connection can share this
    /// one's snapshot, else the aggregated single stream.
    /// With an imported ``CatalogReader/snapshot`` and no second connection, the single stream runs in a
    /// REPEATABLE READ transaction on `connection` pinned to that snapshot, which the caller ends.
    func productSource(shopID: Int64?) throws -> ProductSource {
        if let merge = try startMerge(shopID: shopID) { return .merge(merge) }
        try setShop(shopID, on: connection)
        if let snapshot, !connection.isInTransaction,
            !snapshot.isEmpty, snapshot.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0.isHexDigit })
        {
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try connection.execute(PGQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"))
        }
        let cursor = try connection.copyOut("COPY (\(Self.aggregatedProductQuery)) TO STDOUT WITH (FORMAT binary)")
        return .aggregated(
            AggregatedProducts(reader: BinaryCopyReader(cursor: cursor, source: "product", fieldCount: 16)))
    }

    /// Opens the image connection, pins both connections to one snapshot (`pg_export_snapshot`) and
    /// starts both COPYs; `nil` when the merge is not possible (see ``productSource(shopID:)``).
    private func startMerge(shopID: Int64?) throws -> ProductImageMerge? {
        guard !connection.isInTransaction else { return nil }
        let sibling: PGConnection
        do {
            sibling = try connection.openSibling(applicationName: "backstop-images")
        } catch {
            logger.debug("catalog image connection failed; aggregating images", metadata: ["error": "\(error)"])
            return nil
        }
        try setShop(shopID, on: connection)
        try setShop(shopID, on: sibling)
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        do {
            // An imported snapshot (another session's), else this transaction's own, exported.
            let exported =
                try snapshot ?? connection.execute("SELECT pg_export_snapshot()").string(row: 0, column: 0) ?? ""
            // A snapshot id is hex digits and dashes (`00000003-0000001B-1`); SET takes no bind parameters.
            guard !exported.isEmpty, exported.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0.isHexDigit }) else {
                throw ExtractError(
                    .decoding, "unexpected snapshot id \(snapshot == nil ? "from pg_export_snapshot()" : "to import")",
                    table: "product")
            }
            if snapshot != nil { try connection.execute(PGQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(exported)'")) }
            try sibling.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try sibling.execute(PGQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(exported)'"))
            logger.debug(
                "catalog copy",
                metadata: [
                    "catalog.table": "product+productimage", "catalog.shop": "\(shopID.map { String($0) } ?? "")",
                ])
            let images = try sibling.copyOut("COPY (\(Self.imageQuery)) TO STDOUT WITH (FORMAT binary)")
            let products = try connection.copyOut("COPY (\(Self.productQuery)) TO STDOUT WITH (FORMAT binary)")
            return ProductImageMerge(
                connection: connection, imageConnection: sibling,
                products: BinaryCopyReader(cursor: products, source: "product", fieldCount: 12),
                images: BinaryCopyReader(cursor: images, source: "productimage", fieldCount: 5))
        } catch {
            sibling.close()
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}

/// The product read behind ``CatalogReader/products(shopID:)`` and ``CatalogReader/productRecords(shopID:)``.
/// Both shapes decode the same columns and yield the same products; which one runs depends only on
/// whether a second connection can share the snapshot.
enum ProductSource {
    /// Two streams (products, images) on two connections, merged client-side.
    case merge(ProductImageMerge)
    /// One stream with the images aggregated into arrays by the server.
    case aggregated(AggregatedProducts)

    /// A cursor yielding canonical products.
    func canonical() -> CatalogCursor<CanonicalProduct> {
        switch self {
        case .merge(let merge): CatalogCursor(state: merge.state, pull: merge.nextProduct)
        case .aggregated(let products): CatalogCursor(state: products.state, pull: products.nextProduct)
        }
    }

    /// A cursor yielding products with their catalog-only details.
    func records() -> CatalogCursor<CatalogProduct> {
        switch self {
        case .merge(let merge): CatalogCursor(state: merge.state, pull: merge.nextRecord)
        case .aggregated(let products): CatalogCursor(state: products.state, pull: products.nextRecord)
        }
    }
}

/// The pools of a product read (``TextPool``): one per column, since a column of distinct values stops its
/// own pool without stopping the other's.
struct ProductTextPools {
    /// Product names.
    let names = TextPool()
    /// Product descriptions.
    let descriptions = TextPool()
}

/// Columns 0…11 of a product tuple (``CatalogReader/productColumns``), decoded once per row without
/// intermediate values: strings straight from the tuple's bytes, the type label matched as bytes.
enum ProductColumns {
    /// The canonical product with its image URLs. An unknown type label is reported to `state`.
    ///
    /// A NULL `enabled` reads as `false` (a product of unknown state is not live), a NULL name as `""`.
    /// The times are packed as read (no string per time), and `image` is held as a flag when it is the
    /// first of `images` (``CanonicalProduct``'s layout).
    /// - Throws: ``ExtractError`` `decoding` for a NULL id or a field of the wrong binary size.
    @inline(__always)
    static func product(
        _ row: BinaryCopyRow, images: ProductImageList, state: CatalogCursorState, pools: ProductTextPools
    )
        throws -> CanonicalProduct
    {
        let id = try row.required(0, row.integer)
        let type = row.label(4, in: CatalogLabels.productTypes)
        if case .unknown(let label) = type {
            state.problems.append(
                ParseProblem(
                    source: "product", key: String(id), field: "type", rawValue: label,
                    reason: "enum label unknown to this build"))
        }
        // One call of the (inlinable) memberwise init: no copy of a template product, no per-field
        // retain and release.
        return CanonicalProduct(
            id: id, shopID: try row.integer(1), name: pools.names.text(row, 2) ?? "",
            price: try row.integer(3).map { Kopecks($0) },
            enabled: try row.bool(8) ?? false, type: type?.value, width: try row.integer(6).map { Int($0) },
            height: try row.integer(7).map { Int($0) }, description: pools.descriptions.text(row, 5),
            image: row.string(9), imageList: images,
            createdAt: try row.timestampMicros(10).map(CatalogTimestamp.packed(micros:)),
            updatedAt: try row.timestampMicros(11).map(CatalogTimestamp.packed(micros:)))
    }

    /// The catalog-only columns: the raw type label and `updated_at`.
    @inline(__always)
    static func details(_ row: BinaryCopyRow) throws -> (typeName: String, updatedAt: String?) {
        (
            row.label(4, in: CatalogLabels.productTypes)?.label ?? "",
            try row.timestampMicros(11).map(CatalogTimestamp.text(micros:))
        )
    }
}

/// One `productimage` row of the image stream.
struct ProductImageRow {
    /// `productimage.product_id`: the merge key.
    var productID: Int64
    /// The image as the product carries it.
    var row: CatalogProductImage
}

/// Products and their images from two COPY streams sorted by product id, merged in one pass (a merge
/// join): the server streams both tables without aggregating, and memory stays bounded by one product.
///
/// Both COPYs read the same snapshot (the product connection's REPEATABLE READ transaction, exported to
/// the image connection), so images match their products exactly as the single query did. The
/// transaction ends (COMMIT) and the image connection closes when the products end, or (ROLLBACK) when
/// the cursor is dropped early.
final class ProductImageMerge {
    /// The product stream's connection, inside the REPEATABLE READ transaction this merge ends.
    private let connection: PGConnection
    /// The image stream's connection, closed when the products end (or the merge is dropped).
    private var imageConnection: PGConnection?
    /// The product COPY; `nil` once finished.
    private var productReader: BinaryCopyReader?
    /// The image COPY; `nil` once closed.
    private var imageReader: BinaryCopyReader?
    /// The first image row not yet matched: its product id is ≥ that of every product returned so far.
    private var pending: ProductImageRow?
    /// The product id of the last image row read, to check the stream's order.
    private var lastImageProductID = Int64.min
    /// What the cursor reports.
    let state = CatalogCursorState()
    /// The names and descriptions read so far, held once.
    let pools = ProductTextPools()

    /// Takes over both connections and their started COPYs; the product connection is inside the
    /// REPEATABLE READ transaction that this merge ends.
    init(connection: PGConnection, imageConnection: PGConnection, products: BinaryCopyReader, images: BinaryCopyReader)
    {
        self.connection = connection
        self.imageConnection = imageConnection
        self.productReader = products
        self.imageReader = images
    }

    deinit {
        guard productReader != nil else { return }
        closeImages()
        // Dropping the reader cancels and drains the product COPY; then the transaction can end.
        productReader = nil
        _ = try? connection.execute("ROLLBACK")
    }

    /// The next product with its image URLs in display order; `nil` (after COMMIT) at the end.
    func nextProduct() throws -> CanonicalProduct? {
        guard let row = try productReader?.nextRow() else {
            try finish()
            return nil
        }
        // The images first (the product row stays valid: it lives in the other stream's reader).
        var urls = ProductImageList.Builder()
        try takeImages(of: row.required(0, row.integer)) { urls.append($0.url) }
        let product = try ProductColumns.product(row, images: urls.finish(), state: state, pools: pools)
        state.rowCount += 1
        return product
    }

    /// The next product with its image rows, type label and `updated_at`; `nil` (after COMMIT) at the end.
    func nextRecord() throws -> CatalogProduct? {
        guard let row = try productReader?.nextRow() else {
            try finish()
            return nil
        }
        var images: [CatalogProductImage] = []
        try takeImages(of: row.required(0, row.integer)) { images.append($0) }
        let product = try ProductColumns.product(
            row, images: ProductImageList(images.map(\.url)), state: state, pools: pools)
        let details = try ProductColumns.details(row)
        state.rowCount += 1
        return CatalogProduct(
            product: product, typeName: details.typeName, imageRows: images, updatedAt: details.updatedAt)
    }

    /// Passes the images of product `id` to `take` in stream order ("order", then id). Image rows of
    /// smaller product ids are skipped: products of other shops, or no product at all.
    @inline(__always)
    private func takeImages(of id: Int64, _ take: (CatalogProductImage) -> Void) throws {
        while true {
            if pending == nil {
                guard let imageReader, let row = try imageReader.nextRow() else { break }
                let next = try Self.decodeImage(row)
                guard next.productID >= lastImageProductID else {
                    throw ExtractError(
                        .syntax, "productimage stream is not ordered by product_id at tuple \(imageReader.tupleNumber)",
                        table: "productimage")
                }
                lastImageProductID = next.productID
                pending = next
            }
            // Safe to unwrap: set just above when it was nil.
            let image = unsafe pending.unsafelyUnwrapped
            if image.productID > id { break }
            if image.productID == id { take(image.row) }
            pending = nil
        }
    }

    /// One ``CatalogReader/imageQuery`` tuple; a NULL `url` reads as `""`, a NULL `is_primary` as `false`.
    private static func decodeImage(_ row: BinaryCopyRow) throws -> ProductImageRow {
        ProductImageRow(
            productID: try row.required(0, row.integer),
            row: CatalogProductImage(
                url: row.string(3) ?? "", order: try row.required(2, row.integer), isPrimary: try row.bool(4) ?? false))
    }

    /// The products ended: close the image stream, end the transaction.
    private func finish() throws {
        closeImages()
        productReader = nil
        try connection.execute("COMMIT")
    }

    /// Closing the connection first makes dropping its COPY cursor a no-op instead of a cancel and drain.
    private func closeImages() {
        imageConnection?.close()
        imageConnection = nil
        imageReader = nil
        pending = nil
    }
}

/// Products with their images aggregated into arrays server-side (``CatalogReader/aggregatedProductQuery``).
final class AggregatedProducts {
    /// The aggregated COPY.
    private let reader: BinaryCopyReader
    /// What the cursor reports.
    let state = CatalogCursorState()
    /// The names and descriptions read so far, held once.
    let pools = ProductTextPools()

    /// Decodes the 16-field tuples of `reader`.
    init(reader: BinaryCopyReader) {
        self.reader = reader
    }

    /// The next product with its image URLs in display order, `nil` at the end.
    func nextProduct() throws -> CanonicalProduct? {
        guard let row = try reader.nextRow() else { return nil }
        let product = try ProductColumns.product(
            row, images: row.isNull(12) ? [] : ProductImageList(try Self.images(row).map(\.url)), state: state,
            pools: pools)
        state.rowCount += 1
        return product
    }

    /// The next product with its image rows and catalog-only details, `nil` at the end.
    func nextRecord() throws -> CatalogProduct? {
        guard let row = try reader.nextRow() else { return nil }
        let images = row.isNull(12) ? [] : try Self.images(row)
        let product = try ProductColumns.product(
            row, images: ProductImageList(images.map(\.url)), state: state, pools: pools)
        let details = try ProductColumns.details(row)
        state.rowCount += 1
        return CatalogProduct(
            product: product, typeName: details.typeName, imageRows: images, updatedAt: details.updatedAt)
    }

    /// The image arrays (fields 12…15) as rows ordered by "order", then id.
    private static func images(_ row: BinaryCopyRow) throws -> [CatalogProductImage] {
        guard let urls = try row.stringArray(12) else { return [] }
        let ids = try row.integerArray(13) ?? []
        let orders = try row.integerArray(14) ?? []
        let primaries = try row.boolArray(15) ?? []
        guard ids.count == urls.count, orders.count == urls.count, primaries.count == urls.count else {
            throw row.failure(12, "image arrays differ in length")
        }
        var indices = Array(0..<urls.count)
        let sorted = indices.indices.dropFirst().allSatisfy { (orders[$0 - 1], ids[$0 - 1]) <= (orders[$0], ids[$0]) }
        if !sorted { indices.sort { (orders[$0], ids[$0]) < (orders[$1], ids[$1]) } }
        return indices.map { CatalogProductImage(url: urls[$0] ?? "", order: orders[$0], isPrimary: primaries[$0]) }
    }
}
