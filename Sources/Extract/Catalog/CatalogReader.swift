public import BackstopModel
public import BackstopPostgres
public import Logging

/// Reads the upstream catalog (`product`, `productimage`, `"order"`, `orderitem`, `orderhistory`,
/// `client`, `product_embeddings`) through binary `COPY (SELECT …) TO STDOUT`, decoding the COPY
/// stream itself into canonical values.
///
/// Enum columns arrive as their stored member NAMES (`FLOWERS`, `IN_DELIVERY`: the binary form of an
/// enum is its label); mixed-case columns are quoted. Products and their images come from two COPY
/// streams on two connections sharing one snapshot, merged client-side in one pass (see
/// ``ProductImageMerge``); on a connection inside a transaction, images are aggregated server-side
/// instead. Order items are aggregated server-side into arrays per order. Either way each cursor yields
/// complete values with bounded memory.
///
/// ```swift
/// let reader = CatalogReader(connection: connection, logger: logger)
/// let products = try reader.products(shopID: 17008)
/// while let product = try products.next() { … }
/// ```
public struct CatalogReader {
    /// The connection the COPYs run on (one COPY at a time).
    public let connection: PGConnection
    /// Where progress goes (`debug`) .
    public let logger: Logger
    /// A snapshot exported by another session (`pg_export_snapshot()`) that the two-stream product read
    /// imports instead of exporting its own, so it sees exactly what that session's transaction sees.
    public let snapshot: String?

    /// A reader on `connection`, reading products in `snapshot`, an exported snapshot id, when given
    /// (see ``snapshot``).
    ///
    /// For a consistent picture across tables (products, orders, the row versions a plan is made
    /// against), run the reads inside one `REPEATABLE READ` transaction and pass its exported snapshot,
    /// so the second product stream sees the same rows.
    /// - Parameters:
    ///   - connection: The catalog session; each cursor occupies it until read to the end.
    ///   - logger: Receives one `debug` line per COPY.
    ///   - snapshot: An id from `pg_export_snapshot()` in a transaction that stays open while reading.
    public init(connection: PGConnection, logger: Logger, snapshot: String? = nil) {
        self.connection = connection
        self.logger = logger
        self.snapshot = snapshot
    }

    /// Products (optionally of one shop) ordered by id, in canonical form.
    ///
    /// Id order is what the reconciler's merge join needs, so nothing is sorted client-side. Memory stays
    /// at one product (with its images) at a time.
    ///
    /// - Parameter shopID: only this shop's products; `nil` for all.
    /// - Returns: a cursor over the products.
    /// - Throws: `PGError` if the COPY cannot start.
    public func products(shopID: Int64? = nil) throws -> CatalogCursor<CanonicalProduct> {
        try productSource(shopID: shopID).canonical()
    }

    /// Products with their catalog-only details (raw type label, image rows, `updated_at`), for readers
    /// that need the row as stored rather than its canonical form.
    /// - Parameter shopID: Only this shop's products; `nil` for all.
    /// - Returns: A cursor over the products in id order.
    /// - Throws: `PGError` if the COPY cannot start.
    public func productRecords(shopID: Int64? = nil) throws -> CatalogCursor<CatalogProduct> {
        try productSource(shopID: shopID).records()
    }

    /// Orders (optionally of one shop) ordered by id, in canonical form with their items.
    /// - Parameter shopID: Only this shop's orders; `nil` for all.
    /// - Returns: A cursor over the orders; an unknown status label becomes a problem and a `nil` status.
    /// - Throws: `PGError` if the COPY cannot start.
    public func orders(shopID: Int64? = nil) throws -> CatalogCursor<CanonicalOrder> {
        try copy(Self.orderQuery, source: "order", fields: 24, shopID: shopID) { row, problems in
            try Self.decodeOrder(row, problems: &problems).order
        }
    }

    /// Orders with their catalog-only details (order number, raw status label and phones, item totals):
    /// the order reconciler reads these, since a status label the enum lacks must still be shown as stored.
    /// - Parameter shopID: Only this shop's orders; `nil` for all.
    /// - Returns: A cursor over the orders in id order.
    /// - Throws: `PGError` if the COPY cannot start.
    public func orderRecords(shopID: Int64? = nil) throws -> CatalogCursor<CatalogOrder> {
        try copy(Self.orderQuery, source: "order", fields: 24, shopID: shopID) { row, problems in
            try Self.decodeOrder(row, problems: &problems)
        }
    }

    /// `orderhistory` rows (of one shop's orders, when given) ordered by order, then id.
    /// - Parameter shopID: Only history of this shop's orders; `nil` for all.
    /// - Returns: A cursor over the rows, `changed_at` as UTC wall-clock text.
    /// - Throws: `PGError` if the COPY cannot start.
    public func orderHistory(shopID: Int64? = nil) throws -> CatalogCursor<CatalogOrderHistory> {
        try copy(Self.historyQuery, source: "orderhistory", fields: 7, shopID: shopID) { row, _ in
            CatalogOrderHistory(
                id: try row.required(0, row.integer), orderID: try row.required(1, row.integer),
                changedBy: row.string(2) ?? "", fieldName: row.string(3) ?? "",
                oldValue: row.string(4), newValue: row.string(5),
                changedAtUTC: CatalogTimestamp.text(micros: try row.required(6, row.timestampMicros)))
        }
    }

    /// `client` rows (of one shop, when given) ordered by id.
    /// - Parameter shopID: Only this shop's clients; `nil` for all.
    /// - Returns: A cursor over the rows.
    /// - Throws: `PGError` if the COPY cannot start.
    public func clients(shopID: Int64? = nil) throws -> CatalogCursor<CatalogClient> {
        try copy(Self.clientQuery, source: "client", fields: 7, shopID: shopID) { row, _ in
            CatalogClient(
                id: try row.required(0, row.integer), phone: row.string(1) ?? "", customerName: row.string(2),
                notes: row.string(3), shopID: try row.required(4, row.integer), telegramUserID: row.string(5),
                createdAt: CatalogTimestamp.text(micros: try row.required(6, row.timestampMicros)))
        }
    }

    /// Any query's rows through binary `COPY (select) TO STDOUT`, each decoded by `decode`: for reads the
    /// canonical cursors above do not cover (and the benchmarks). `decode` must not keep the row; it may
    /// append to the problems, which end up in ``CatalogCursor/problems``.
    ///
    /// ```swift
    /// let ids = try reader.rows("SELECT id FROM product WHERE enabled", source: "product", fields: 1) { row, _ in
    ///     try row.required(0, row.integer)
    /// }
    /// while let id = try ids.next() { … }
    /// ```
    ///
    /// - Parameters:
    ///   - select: a SELECT (bound parameters are not allowed inside COPY; use a session setting).
    ///   - source: what is read, for error messages (a table name).
    ///   - fields: the number of columns the SELECT returns; a tuple with another count is an error.
    ///   - decode: turns one row into an element; it may append to the problems.
    /// - Returns: a cursor over the decoded rows.
    /// - Throws: `PGError` if the COPY cannot start.
    public func rows<Element>(
        _ select: PGQuery, source: String, fields: Int,
        decode: @escaping (BinaryCopyRow, inout [ParseProblem]) throws -> Element
    ) throws -> CatalogCursor<Element> {
        try decodedCopy(select, source: source, fields: fields, decode: decode)
    }

    // MARK: Running a COPY

    /// The session setting that carries the shop filter into the COPY: `COPY` takes no bind parameters,
    /// so the value is bound into `set_config` and read back with `current_setting` once per query.
    static let shopSetting = "backstop.catalog_shop"

    /// The filter value as SQL: one evaluation per query (an InitPlan), NULL when no shop was given.
    package static let shopFilter: PGQuery =
        "(SELECT NULLIF(current_setting('backstop.catalog_shop', true), '')::integer)"

    /// Binds the shop filter on `connection` for the next COPY (session-wide, `set_config(…, false)`, so it
    /// survives the statement; every COPY sets it again, an empty value meaning "every shop").
    func setShop(_ shopID: Int64?, on connection: PGConnection) throws {
        let value = shopID.map { String($0) } ?? ""
        try connection.execute("SELECT set_config(\(Self.shopSetting), \(value), false)")
    }

    /// Binds the shop filter, then starts `COPY (select) TO STDOUT` and decodes each tuple with `decode`.
    package func copy<Element>(
        _ select: PGQuery, source: String, fields: Int, shopID: Int64?,
        decode: @escaping (BinaryCopyRow, inout [ParseProblem]) throws -> Element
    ) throws -> CatalogCursor<Element> {
        try setShop(shopID, on: connection)
        return try decodedCopy(select, source: source, fields: fields, shopID: shopID, decode: decode)
    }

    /// Starts `COPY (select) TO STDOUT` as it stands and decodes each tuple with `decode`; `shopID` only
    /// labels the log line (``copy(_:source:fields:shopID:decode:)`` binds it).
    private func decodedCopy<Element>(
        _ select: PGQuery, source: String, fields: Int, shopID: Int64? = nil,
        decode: @escaping (BinaryCopyRow, inout [ParseProblem]) throws -> Element
    ) throws -> CatalogCursor<Element> {
        logger.debug(
            "catalog copy",
            metadata: ["catalog.table": "\(source)", "catalog.shop": "\(shopID.map { String($0) } ?? "")"])
        let cursor = try connection.copyOut("COPY (\(select)) TO STDOUT WITH (FORMAT binary)")
        return DecodingRowSource(
            reader: BinaryCopyReader(cursor: cursor, source: source, fieldCount: fields), decode: decode
        ).cursor
    }
}

extension BinaryCopyRow {
    /// A value that must not be NULL: `try row.required(0, row.integer)`.
    /// - Parameters:
    ///   - field: The 0-based column index.
    ///   - read: The typed accessor (`row.integer`, `row.string`, …).
    /// - Returns: The value.
    /// - Throws: ``ExtractError`` `decoding` naming the table, tuple and column when it is NULL, or what
    ///   `read` throws for a value of the wrong type.
    @inlinable @inline(__always)
    public func required<T>(_ field: Int, _ read: (Int) throws -> T?) throws -> T {
        guard let value = try read(field) else { throw failure(field, "NULL in a NOT NULL column") }
        return value
    }
}
