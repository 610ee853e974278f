public import BackstopModel
import Foundation
public import Logging

/// Builds canonical products, orders and users from the rows of a Bitrix dump, in any table order.
///
/// It is an accumulator: feed every ``DumpRow`` to ``consume(_:)`` (the dump is alphabetical, so
/// `b_catalog_price` arrives before `b_iblock_element` and `b_sale_basket` before `b_sale_order`), then
/// call ``finish(completedAt:)``. Only what the model needs is kept: elements of the catalog iblocks,
/// prices, files, property values of the properties it reads, the orders in ``Scope`` with their basket
/// and properties, and the ids of every element, order and user (for existence checks).
///
/// Columns are resolved once per INSERT statement, and values are parsed straight from the row's bytes:
/// strings are made only for values that are kept.
///
/// Rows it cannot interpret (missing or non-integer ids, malformed decimals, unknown flags, references
/// to missing files) become ``ParseProblem``s with the table and row id instead of disappearing.
///
/// ```swift
/// let builder = BitrixModelBuilder(configuration: configuration, logger: logger)
/// let stream = try DumpReader.open(dump, options: .init(tables: BitrixModelBuilder.tables), logger: logger)
/// while let event = try stream.next() {
///     if case .row(let row) = event { builder.consume(row) }
/// }
/// let snapshot = builder.finish(completedAt: stream.completedAt)
/// ```
public final class BitrixModelBuilder {
    /// Which orders and users the model materialises.
    public struct Scope: Sendable {
        /// Orders kept with their basket lines and properties.
        public enum Orders: Sendable {
            /// Every order of the site.
            case all
            /// Orders created from the catalog (`XML_ID = 'railway-N'`) and the Bitrix ids the catalog links to.
            case linked(referencedBitrixIDs: Set<Int64>)
        }

        /// Which orders are kept.
        public var orders: Orders
        /// Which products are materialised; `nil` for every one (``ProductScope``).
        public var products: ProductScope? = nil
        /// Whether users are materialised (their ids are always recorded).
        public var users: Bool

        /// A scope; the default keeps everything (`backstop extract`). `diff` and `nightly` keep only the
        /// orders the catalog can be matched with, which on a real shop is a small share of all orders.
        public init(orders: Orders = .all, users: Bool = true) {
            self.orders = orders
            self.users = users
        }
    }

    /// The configuration (iblocks, seller property, price group, URLs, site, time zone).
    public let configuration: BitrixConfiguration
    /// Which orders and users are materialised.
    public internal(set) var scope: Scope
    /// Supplies ``Scope/orders`` late: called once, just before the first `b_sale_order` row, and its answer
    /// replaces the scope's orders. Lets the catalog (whose links say which orders are kept) be read while
    /// the dump's earlier tables are parsed.
    public var ordersScope: (() -> Scope.Orders)?
    /// Supplies ``Scope/products`` late: called once, when the products are built (the catalog's ids and
    /// shops are known by then), and its answer replaces the scope's products.
    public var productsScope: (() -> ProductScope?)?
    /// Supplies the catalog's products (in id order) late: called once, when the products are built. A
    /// Bitrix product's name, description, times and image URLs that equal its catalog twin's byte for
    /// byte then share the twin's strings, so a product held on both sides costs its text once. `nil`:
    /// every string is the product's own. Either way the products are the same values.
    public var catalogProducts: (() -> [CanonicalProduct])?
    /// Receives the summary line of ``finish(completedAt:)``.
    let logger: Logger

    // Dispatch: the table and column positions of the current INSERT.
    /// The source of the previous row: a row with the same source needs no new dispatch.
    var lastSource: DumpRowSource?
    /// The handler of ``lastSource``.
    var handler = TableHandler.other
    /// The last column list seen per table and its handler (held, so its identity stays unique).
    var columnCache: [String: (columns: DumpColumns, handler: TableHandler)] = [:]

    /// Catalog elements in the order read, one per id (a repeated id replaces the earlier element in
    /// place); sorted by id when the products are built.
    var elements: [Element] = []
    /// The elements' text columns (``ElementText``), back to back.
    var elementText: [UInt8] = []
    /// Element id → position in ``elements``: 16 bytes an element, where a dictionary of elements
    /// held the ~150-byte element twice (the dictionary and the sorted copy made from it) and its name
    /// in a second dictionary.
    var elementIndex: [Int64: Int] = [:]
    /// Whether any `b_iblock_element` row was read (decides whether property values can be filtered by
    /// element yet).
    var sawElements = false
    /// Every `b_iblock_element.ID` (all iblocks, workflow copies included), for existence and range checks.
    var allElementIDs = IDSet.Builder()
    /// Elements of the shops iblock (the sellers).
    var sellerIDs: Set<Int64> = []
    /// Every price row in the order read (one array, not an array per product); grouped by `PRODUCT_ID`
    /// when the products are built.
    var prices: [Price] = []
    /// The `BASE = 'Y'` price groups (normally one).
    var baseGroups: [Int64] = []
    /// `b_file.ID` of each file, in the order read (parallel to ``fileRefs``).
    var fileIDs: [Int64] = []
    /// Where each file's `SUBDIR` and `FILE_NAME` sit in ``fileBytes`` (parallel to ``fileIDs``).
    var fileRefs: [FileRef] = []
    /// The kept files' `SUBDIR` and `FILE_NAME` bytes, back to back: one buffer instead of two heap
    /// strings per file.
    var fileBytes: [UInt8] = []
    /// Property values of the properties read (and, while codes are unresolved, of catalog elements).
    var propertyValues: [Int64: [PropertyValue]] = [:]
    /// `b_iblock_property` ID → CODE, for the codes the configuration names.
    var propertyCodes: [Int64: String] = [:]
    /// The property ids kept (seller, pinned and resolved codes), refreshed when a code resolves.
    var wantedIDs: Set<Int64> = []
    /// Whether some configured property codes are not resolved to ids yet.
    var propertyCodesUnresolved = true
    /// Orders in scope by id.
    var orders: [Int64: Order] = [:]
    /// Whether any `b_sale_order` row was read (after it, lines and props of other orders are dropped at once).
    var sawOrders = false
    /// Every `b_sale_order.ID` (every site), for "the Bitrix order is gone".
    var allOrderIDs = IDSet.Builder()
    /// Basket lines, in dump order, filtered to kept orders when the orders are built.
    var basket: [BasketLine] = []
    /// Order property values by order id.
    var orderProps: [Int64: [OrderProp]] = [:]
    /// The order of the previous property row and whether it is kept (rows come grouped by order).
    var lastPropOrder: Int64 = .min
    /// Whether ``lastPropOrder`` is a kept order.
    var lastPropOrderKept = false
    /// `b_sale_order_props.ID` → `CODE`, for the codes the configuration reads.
    var orderPropCodes: [Int64: String] = [:]
    /// Users, when the scope materialises them.
    var users: [CanonicalUser] = []
    /// Every `b_user.ID`, for `order.dangling_customer`.
    var allUserIDs = IDSet.Builder()
    /// The newest row time seen (`TIMESTAMP_X`, `DATE_UPDATE`): the snapshot fallback without a footer.
    var newestRowTime: String?
    /// Values no rule could read, in the order found.
    var problems: [ParseProblem] = []
    /// Catalog elements left out by ``Scope/products`` (checked like the rest, no product made).
    var productsOutOfScope = 0
    /// Rows dropped on purpose, counted by reason (`b_iblock_element: workflow copy`, …), for the report.
    var skipped: [String: Int] = [:]

    /// Whether the products are built as soon as the product tables are done (``buildsProductsEarly``).
    public var buildsProductsEarly = false
    /// The products built early, when the first order-side row arrived; `nil` before (or without an early
    /// build). ``finish(completedAt:)`` completes them instead of building them.
    var earlyProducts: EarlyProducts?
    /// Set when a product-table row arrived after the early build (``earlyBuildAbandoned``).
    var earlyBuildBroken = false

    /// A builder for one Bitrix installation; feed it every row of one dump (or of several dumps of the
    /// same site, in any order).
    ///
    /// - Parameters:
    ///   - configuration: where things are in this Bitrix installation.
    ///   - scope: which orders and users to materialise.
    ///   - logger: where progress goes.
    public init(configuration: BitrixConfiguration = BitrixConfiguration(), scope: Scope = Scope(), logger: Logger) {
        self.configuration = configuration
        self.scope = scope
        self.logger = logger
        refreshWantedProperties()
    }

    /// The tables the model reads; pass them to the dump reader so nothing else is materialised.
    public static let tables: Set<String> = [
        "b_iblock_element", "b_iblock_element_property", "b_iblock_property", "b_catalog_price", "b_catalog_group",
        "b_file", "b_sale_order", "b_sale_basket", "b_sale_order_props_value", "b_sale_order_props", "b_user",
    ]

    /// The tables best read after the others (``DumpReader/Options/deferredTables``): `b_sale_basket` comes
    /// before `b_sale_order` in a dump, and once the orders are read only the kept orders' lines are kept, so
    /// a run's memory follows the orders it compares, not the dump's size.
    public static let deferredTables: Set<String> = ["b_sale_basket"]

    /// Takes one row of any table; rows of tables the model does not read are ignored.
    ///
    /// Never throws: a row it cannot interpret becomes a ``ParseProblem``, so one bad row never stops a
    /// nightly run.
    ///
    /// Memory grows with what is kept, not with the dump: a row of a table the model does not read, an
    /// element of another iblock or an order out of scope costs its id at most (8 bytes in the id lists).
    /// - Complexity: O(1) amortised per row, after one handler look-up per INSERT statement.
    /// - Parameter row: A row from the dump reader.
    public func consume(_ row: DumpRow) {
        if row.source !== lastSource {
            lastSource = row.source
            handler = resolve(row.source)
            if buildsProductsEarly { notePhase(of: handler) }
        }
        switch handler {
        case .element(let c): consumeElement(row, c)
        case .propertyValue(let c): consumePropertyValue(row, c)
        case .property(let c): consumePropertyDefinition(row, c)
        case .price(let c): consumePrice(row, c)
        case .group(let c): consumeGroup(row, c)
        case .file(let c): consumeFile(row, c)
        case .order(let c): consumeOrder(row, c)
        case .basket(let c): consumeBasket(row, c)
        case .orderPropValue(let c): consumeOrderProp(row, c)
        case .orderProp(let c): consumeOrderPropDefinition(row, c)
        case .user(let c): consumeUser(row, c)
        case .other: break
        }
    }

    /// The handler for a row source: cached per column list, so each INSERT costs one lookup (and a dump
    /// whose INSERTs repeat the same column list reuses one handler for the whole table).
    private func resolve(_ source: DumpRowSource) -> TableHandler {
        if let cached = columnCache[source.table], cached.columns === source.columns { return cached.handler }
        let handler = TableHandler(table: source.table, columns: source.columns)
        columnCache[source.table] = (source.columns, handler)
        if case .order = handler, let supply = ordersScope {
            ordersScope = nil
            scope.orders = supply()
        }
        return handler
    }

    // MARK: Shared helpers

    /// Records a problem keyed by the row's id column, with the raw value of column `raw` when given.
    func problem(_ row: DumpRow, _ idColumn: Int, _ field: String?, _ reason: String, raw: Int? = nil) {
        problems.append(
            ParseProblem(
                source: row.table, key: text(row, idColumn), field: field, rawValue: raw.flatMap { text(row, $0) },
                reason: reason))
    }

    /// Counts a row dropped on purpose.
    func skip(_ reason: String) { skipped[reason, default: 0] += 1 }

    /// Whether the value at `index` (a resolved column, `-1` when absent) is NULL or absent.
    @inline(__always)
    func isNull(_ row: DumpRow, _ index: Int) -> Bool { index < 0 || index >= row.count || row.isNull(at: index) }

    /// The integer at `index`, `nil` for NULL, absent or garbage (no problem recorded).
    @inline(__always)
    func int(_ row: DumpRow, _ index: Int) -> Int64? {
        guard index >= 0, index < row.count else { return nil }
        return unsafe row.withBytes(at: index) { unsafe $0.flatMap(DumpNumber.int64) }
    }

    /// The row's integer column, reporting a problem (and returning `nil`) when it is missing or bad.
    func requiredInt(_ row: DumpRow, _ index: Int, _ name: String, id: Int) -> Int64? {
        guard index >= 0, index < row.count else {
            problem(row, id, name, "column missing")
            return nil
        }
        if let value = int(row, index) { return value }
        problem(row, id, name, row.isNull(at: index) ? "NULL" : "not an integer", raw: index)
        return nil
    }

    /// A nullable integer column: `nil` for NULL or absent, a problem for garbage.
    func optionalInt(_ row: DumpRow, _ index: Int, _ name: String, id: Int) -> Int64? {
        guard !isNull(row, index) else { return nil }
        if let value = int(row, index) { return value }
        problem(row, id, name, "not an integer", raw: index)
        return nil
    }

    /// Text of a column; `nil` for NULL or absent.
    @inline(__always)
    func text(_ row: DumpRow, _ index: Int) -> String? {
        guard index >= 0, index < row.count else { return nil }
        return unsafe row.withBytes(at: index) { unsafe $0.map { unsafe String(decoding: $0, as: UTF8.self) } }
    }

    /// Whether the column's bytes are exactly `expected` (no string made): how `Y`/`N` flags are read.
    @inline(__always)
    func bytes(_ row: DumpRow, _ index: Int, equal expected: StaticString) -> Bool {
        guard index >= 0, index < row.count else { return false }
        return unsafe row.withBytes(at: index) { bytes in
            guard let bytes = unsafe bytes, bytes.count == expected.utf8CodeUnitCount else { return false }
            // No base address means no bytes, and the counts are equal: both are empty.
            guard let base = bytes.baseAddress else { return true }
            return unsafe memcmp(base, expected.utf8Start, bytes.count) == 0
        }
    }

    /// A DATETIME column as wall-clock text; zero dates become `nil`.
    func dateTime(_ row: DumpRow, _ index: Int) -> String? {
        guard let text = text(row, index), !text.isEmpty, !text.hasPrefix("0000-00-00") else { return nil }
        return text
    }

    /// Keeps the newest row time for the snapshot fallback.
    @inline(__always)
    func noteRowTime(_ row: DumpRow, _ index: Int) {
        guard index >= 0, index < row.count else { return }
        unsafe row.withBytes(at: index) { bytes in
            guard let bytes = unsafe bytes, bytes.count == 19, let base = bytes.baseAddress,
                unsafe WallClock.isWallClockText(bytes), unsafe bytes[0] != UInt8(ascii: "0")
            else { return }
            if let newest = newestRowTime {
                // `newest` was made from 19 such bytes below, so its storage has a base address.
                let newer =
                    unsafe newest.utf8.withContiguousStorageIfAvailable { stored in
                        guard let storedBase = stored.baseAddress else { return false }
                        return unsafe memcmp(base, storedBase, 19) > 0
                    } ?? false
                guard newer else { return }
            }
            newestRowTime = unsafe String(decoding: bytes, as: UTF8.self)
        }
    }

    /// A DECIMAL with up to `scale` places as kopecks (scale 2 → as is; scale 4 → exact ÷100).
    ///
    /// `4950.5000` at scale 4 is 495050 kopecks; `4950.5050` is 495050 with a "fraction of a kopeck"
    /// problem (truncated towards zero, never rounded up). NULL or malformed text is `nil` with a problem.
    func kopecks(_ row: DumpRow, _ index: Int, _ name: String, scale: Int, id: Int) -> Kopecks? {
        guard index >= 0, index < row.count else {
            problem(row, id, name, "column missing")
            return nil
        }
        guard
            let scaled = unsafe row.withBytes(
                at: index, { unsafe $0.flatMap { unsafe DumpNumber.scaledDecimal($0, scale: scale) } })
        else {
            problem(row, id, name, row.isNull(at: index) ? "NULL" : "not a decimal with \(scale) places", raw: index)
            return nil
        }
        guard scale > 2 else {
            var value = scaled
            for _ in scale..<2 { value *= 10 }
            return Kopecks(value)
        }
        var divisor: Int64 = 1
        for _ in 0..<(scale - 2) { divisor *= 10 }
        if scaled % divisor != 0 {
            problem(row, id, name, "fraction of a kopeck; truncated", raw: index)
        }
        return Kopecks(scaled / divisor)
    }
}

/// Which Bitrix products a run can compare, so the others are never materialised: a product the catalog
/// holds (matching is catalog-wide, whatever its seller), or a product of a shop the run may judge. A
/// product of any other seller that the catalog lacks can be no finding of the run (`product.missing`
/// is reported only in its seller's shop), and at `l` such products are a fifth of the dump's.
public struct ProductScope: Sendable {
    /// The catalog's product ids.
    public var catalogIDs: IDSet
    /// Every shop the run may judge: the catalog's shops, the configured ones and the home shop.
    public var shops: Set<Int64>
    /// Seller → catalog shop, for sellers whose shop id differs (`[shops]` of `backstop.toml`).
    public var shopMap: [Int64: Int64]

    /// A scope of the catalog's product ids and the shops a run may judge.
    /// - Parameters:
    ///   - catalogIDs: The catalog's product ids.
    ///   - shops: Every shop the run may judge (catalog shops, configured shops, the home shop).
    ///   - shopMap: Seller → catalog shop where the ids differ.
    public init(catalogIDs: IDSet, shops: Set<Int64>, shopMap: [Int64: Int64] = [:]) {
        self.catalogIDs = catalogIDs
        self.shops = shops
        self.shopMap = shopMap
    }

    /// Whether element `id` of `seller` (property 290; `nil` when it has none) is materialised.
    public func keeps(id: Int64, seller: Int64?) -> Bool {
        if catalogIDs.contains(id) { return true }
        guard let seller else { return false }
        return shops.contains(shopMap[seller] ?? seller)
    }
}

@available(*, unavailable, message: "An accumulator fed from one reader.")
extension BitrixModelBuilder: Sendable {}
