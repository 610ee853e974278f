public import BackstopModel
public import BackstopPostgres
import BackstopExtract
import BackstopMerge
public import Logging

/// Catalog-side input of a run: the upstream tables through binary COPY.
///
/// Everything a run compares comes from one snapshot of the catalog, so a webhook writing during the read
/// cannot make a product and its versions disagree; the merge plan is later checked against those same
/// versions. The connection is read-only here: nothing in this file writes to upstream tables.
public enum CatalogInput {
    /// Opens the configured catalog connection, naming where the connection settings came from on failure.
    ///
    /// The settings come from `--catalog`, `backstop.toml`, `BACKSTOP_CATALOG`, `DATABASE_URL` or libpq's
    /// `PG*` variables (`BackstopConfiguration.catalogSource` says which); a TLS certificate failure gets a
    /// hint about `sslrootcert` and the host name.
    /// - Parameters:
    ///   - configuration: Backstop's configuration.
    ///   - logger: The connection's logger.
    /// - Returns: An open connection.
    /// - Throws: ``PipelineError`` with code `connection`, with libpq's message.
    public static func connect(_ configuration: BackstopConfiguration, logger: Logger) throws(PipelineError)
        -> PGConnection
    {
        do {
            return try PGConnection(conninfo: configuration.catalogConninfo, logger: logger)
        } catch {
            var hint = ""
            if error.message.contains("certificate verify failed") {
                hint =
                    " (the server's TLS certificate is not signed by the CA in sslrootcert / PGSSLROOTCERT, "
                    + "or its name does not match the host: check both)"
            }
            throw PipelineError(
                .connection, "cannot connect to the catalog (\(configuration.catalogSource)): \(error.message)\(hint)")
        }
    }

    /// The upstream tables the catalog read needs, and what for.
    static let requiredTables: KeyValuePairs<String, String> = [
        "product": "products", "productimage": "product images", "order": "orders", "orderitem": "order lines",
        "orderhistory": "order status history", "client": "order customers",
    ]

    /// Fails naming the first missing table and the stage that needs it, instead of a raw SQLSTATE 42P01 from
    /// the middle of a COPY (a catalog whose upstream migrations did not all run).
    /// - Parameters:
    ///   - tables: Table names and what they are needed for, checked in order.
    ///   - stage: The stage that needs them, for the message.
    ///   - connection: The catalog connection.
    /// - Throws: ``PipelineError`` with code `runFailed`.
    static func requireTables(
        _ tables: KeyValuePairs<String, String>, stage: String, on connection: PGConnection
    ) throws {
        for (table, purpose) in tables where try !hasTable(table, on: connection) {
            throw PipelineError(
                .runFailed,
                "the catalog (\(connection.endpoint)) has no table \(table), which the \(stage) stage needs "
                    + "(\(purpose)); run the upstream migrations that create it, or point --catalog at a migrated catalog"
            )
        }
    }

    /// Whether the catalog has the upstream table `name` (on its search path).
    /// - Parameters:
    ///   - name: An unqualified table name (bound, then quoted server-side).
    ///   - connection: The catalog connection.
    /// - Returns: Whether `to_regclass` finds it.
    /// - Throws: `PGError`.
    static func hasTable(_ name: String, on connection: PGConnection) throws -> Bool {
        try connection.execute("SELECT to_regclass(quote_ident(\(name))) IS NOT NULL").bool(row: 0, column: 0) == true
    }

    /// What the run reads from the catalog.
    struct Snapshot {
        /// Every catalog product, of every shop, in id order (the reconciler attributes them).
        var products: [CanonicalProduct]
        /// Every catalog order with its lines and history, in id order.
        var orders: [CatalogOrder]
        /// The product id sequence (`product_id_seq`), for the sequence-risk check; `nil` without one.
        var productSequence: CatalogSequence?
        /// The Bitrix order ids the catalog links to (`bitrix_order_id`).
        var referencedBitrixOrders: Set<Int64>
        /// The shop's row versions (every shop's for a run of several), read in the same snapshot as the rows.
        var versions: CatalogVersions
        /// The catalog's `shop` table.
        var shops: [FleetScope.Shop] = []
        /// Fingerprint, enum labels, column lengths.
        var facts: CatalogFacts
        /// The stage's line: counts and the sequence's next value.
        var summary: String
    }

    /// Reads every catalog product and order (all shops, in id order) through binary COPY, and the versions
    /// of the shop's rows, all in one snapshot: a holder session exports it, the two-stream product read
    /// imports it, orders and versions are read inside it. Then the product id sequence.
    ///
    /// Rows are counted on `progress` (`extract.catalog`); once the run's switch is thrown (time limit or
    /// signal) the read stops with `DeadlineReached` at its next safe point (every 4096 rows); a signal
    /// also cancels the COPY in flight (the caller registers the connection's cancel with the switch).
    ///
    /// Without a second session (a server at `max_connections`), one repeatable-read transaction on this
    /// connection reads everything instead, slower but the same snapshot.
    /// - Parameters:
    ///   - connection: The run's catalog connection.
    ///   - shopID: The shop whose row versions are read; `nil` for every shop.
    ///   - stop: The run's stop switch.
    ///   - progress: Where the row count is reported (`extract.catalog`).
    ///   - logger: Where the reader logs.
    /// - Returns: The snapshot.
    /// - Throws: ``PipelineError`` for a missing table, ``DeadlineReached`` when stopped, `PGError` or
    ///   ``ExtractError`` from the read.
    static func load(
        connection: PGConnection, shopID: Int64?, stop: StopSwitch = StopSwitch(),
        progress: ProgressReporter = .ignored,
        logger: Logger
    ) throws -> Snapshot {
        try requireTables(requiredTables, stage: "extract.catalog", on: connection)
        let bar = progress.start("extract.catalog", total: nil, unit: .items("rows"))
        defer { bar.finish() }
        var rows: Int64 = 0
        func collect<Element>(_ cursor: CatalogCursor<Element>) throws -> [Element] {
            var out: [Element] = []
            while let element = try cursor.next() {
                out.append(element)
                rows += 1
                guard rows & 0xFFF == 0 || rows == 1 else { continue }
                bar.update(rows)
                if stop.safePoint("extract.catalog.copy") {
                    throw DeadlineReached(stage: "extract.catalog", progress: "\(rows) rows read", reason: stop.reason)
                }
            }
            return out
        }
        let facts = try CatalogReader(connection: connection, logger: logger).facts()
        let products: [CanonicalProduct]
        let orders: [CatalogOrder]
        let versions: CatalogVersions
        if let holder = try? connection.openSibling(applicationName: "backstop-snapshot") {
            defer { holder.close() }
            try holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let snapshot = try holder.execute("SELECT pg_export_snapshot()").string(row: 0, column: 0) ?? ""
            products = try collect(CatalogReader(connection: connection, logger: logger, snapshot: snapshot).products())
            if connection.isInTransaction { try connection.execute("COMMIT") }
            let inSnapshot = CatalogReader(connection: holder, logger: logger)
            orders = try collect(inSnapshot.orderRecords())
            versions = try inSnapshot.versions(shopID: shopID)
            try holder.execute("COMMIT")
        } else {
            // No second session: one transaction on this one (products then aggregate images server-side).
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            do {
                let reader = CatalogReader(connection: connection, logger: logger)
                products = try collect(reader.products())
                orders = try collect(reader.orderRecords())
                versions = try reader.versions(shopID: shopID)
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
        let sequence = try CatalogReader(connection: connection, logger: logger).serialSequence(
            table: "product", column: "id")
        let referenced = Set(orders.compactMap(\.order.bitrixID))
        let summary =
            "\(products.count) catalog products, \(orders.count) orders"
            + (sequence.map { ", \($0.name) next \($0.nextValue)" } ?? "")
        return Snapshot(
            products: products, orders: orders, productSequence: sequence, referencedBitrixOrders: referenced,
            // A catalog without a `shop` table has no fleet: attribution then falls back to the run's shop.
            versions: versions, shops: (try? FleetScope.catalogShops(connection)) ?? [], facts: facts,
            summary: summary)
    }
}
