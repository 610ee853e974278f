public import BackstopModel
public import BackstopPostgres
import BackstopExtract
public import Logging

/// Catalog-side input of a run: the upstream tables through binary COPY.
public enum CatalogInput {
    /// Opens the configured catalog connection, naming where the connection settings came from on failure.
    public static func connect(_ configuration: BackstopConfiguration, logger: Logger) throws(PipelineError) -> PGConnection {
        do {
            return try PGConnection(conninfo: configuration.catalogConninfo, logger: logger)
        } catch {
            throw PipelineError("cannot connect to the catalog (\(configuration.catalogSource)): \(error.message)")
        }
    }

    /// What the run reads from the catalog.
    struct Snapshot {
        var products: [CanonicalProduct]
        var orders: [CatalogOrder]
        var productSequence: CatalogSequence?
        /// The Bitrix order ids the catalog links to (`bitrix_order_id`).
        var referencedBitrixOrders: Set<Int64>
        var summary: String
    }

    /// Reads every catalog product and order (all shops, in id order) through binary COPY, and the product
    /// id sequence.
    static func load(connection: PGConnection, deadline: Deadline = .none, logger: Logger) throws -> Snapshot {
        let reader = CatalogReader(connection: connection, logger: logger)
        let progress = ProgressBar(label: "extract.catalog", total: nil, unit: .items("rows"), logger: logger)
        defer { progress.finish() }
        var rows: Int64 = 0
        func pulse() throws {
            rows += 1
            guard rows & 0xFFF == 0 else { return }
            progress.update(rows)
            if deadline.isExpired { throw DeadlineReached(stage: "extract.catalog", progress: "\(rows) rows read") }
        }
        var products: [CanonicalProduct] = []
        let productCursor = try reader.products()
        while let product = try productCursor.next() {
            products.append(product)
            try pulse()
        }
        var orders: [CatalogOrder] = []
        let orderCursor = try reader.orderRecords()
        while let order = try orderCursor.next() {
            orders.append(order)
            try pulse()
        }
        let sequence = try reader.serialSequence(table: "product", column: "id")
        let referenced = Set(orders.compactMap(\.order.bitrixID))
        let summary = "\(products.count) catalog products, \(orders.count) orders"
            + (sequence.map { ", \($0.name) next \($0.nextValue)" } ?? "")
        return Snapshot(
            products: products, orders: orders, productSequence: sequence, referencedBitrixOrders: referenced,
            summary: summary)
    }
}
