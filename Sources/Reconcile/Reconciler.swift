public import BackstopModel
public import BackstopExtract

/// Everything one reconciliation compares: the Bitrix model of the dump(s) and the catalog's rows.
///
/// Both sides are complete for every shop, whatever the run's shop selection: matching is catalog-wide
/// (a product that moved to another shop is still matched), and ``ReconcileConfiguration/scope`` decides
/// which findings are reported. Rows in id order are compared as they are; others are sorted once.
public struct ReconcileInput: Sendable {
    /// The Bitrix model (products of every seller, orders in scope, id sets, snapshot time).
    public var bitrix: BitrixSnapshot
    /// Catalog products of every shop, in id order.
    public var catalogProducts: [CanonicalProduct]
    /// Catalog orders of every shop, in id order.
    public var catalogOrders: [CatalogOrder]
    /// The catalog's product id sequence, when it has one.
    public var productSequence: CatalogSequence?
    /// Whether the dump was truncated (read with `--allow-partial`).
    public var partial: Bool
    /// The catalog orders' links, when indexed ahead (``prepared()``); `nil` indexes them in each
    /// reconciliation.
    public var orderLinks: OrderReconciler.Links?
    /// Every catalog product id, when gathered ahead (``prepared()``); `nil` gathers them in each
    /// reconciliation.
    public var catalogProductIDs: IDSet?

    /// Gathers the two sides; `partial` must be `true` whenever the dump was read past a truncation, or
    /// orphans and dangling references would be reported from missing data.
    public init(
        bitrix: BitrixSnapshot, catalogProducts: [CanonicalProduct], catalogOrders: [CatalogOrder],
        productSequence: CatalogSequence?, partial: Bool
    ) {
        self.bitrix = bitrix
        self.catalogProducts = catalogProducts
        self.catalogOrders = catalogOrders
        self.productSequence = productSequence
        self.partial = partial
    }
}

extension ReconcileInput {
    /// The input with what every shop's reconciliation derives from it alike (the catalog orders' links,
    /// the catalog product ids) computed once: a fleet run reconciles the same input once per shop.
    /// - Returns: The same input, indexed; reconciling it gives the same result as reconciling `self`.
    public func prepared() -> ReconcileInput {
        var input = self
        input.orderLinks = input.orderLinks ?? OrderReconciler.Links(catalog: catalogOrders)
        input.catalogProductIDs = input.catalogProductIDs ?? IDSet(catalogProducts.map(\.id))
        return input
    }
}

/// What a reconciliation found: the changes and the numbers a report needs to judge them (how much was
/// compared, what was withheld, which "now" and which status map were used).
public struct ReconcileResult: Sendable {
    /// Every change, in report order (kind, key, field, item).
    public var changes: [Change]
    /// The webhook path's systematic losses, counted per field.
    public var systematic: SystematicCounts
    /// Rows compared per table (`product.bitrix`, `product.catalog`, `product.matched`, `order.*`).
    public var rowsCompared: [String: Int]
    /// Absence-based findings withheld because the dump is partial.
    public var withheld: Int
    /// "Now" for every time rule.
    public var snapshot: SnapshotTime
    /// The status map's version.
    public var statusMapVersion: String

    /// The changes rendered as discrepancies, causes resolved through `causes`.
    /// - Parameter causes: The cause table; ``Reconciler/causes`` for the configuration that produced them.
    /// - Returns: One discrepancy per change, in the same (report) order.
    public func discrepancies(causes: CauseRules) -> [Discrepancy] { changes.map { $0.discrepancy(causes: causes) } }
}

/// Reconciles products, orders and sequences with one configuration and one rule table.
///
/// A pure function of its input: no database, no clock, no randomness, so the same dump and catalog give
/// the same changes on any machine and any day (time comes from ``ReconcileResult/snapshot``).
///
/// ```swift
/// let reconciler = Reconciler(configuration: ReconcileConfiguration(shopID: 17008))
/// let result = reconciler.reconcile(input)
/// let findings = result.discrepancies(causes: reconciler.causes)
/// ```
public struct Reconciler: Sendable {
    /// The shop, the webhook's shop, the status map.
    public var configuration: ReconcileConfiguration

    /// A reconciler for one configuration (run shop, shop scope, webhook shop, status map).
    public init(configuration: ReconcileConfiguration) { self.configuration = configuration }

    /// The cause table for this configuration.
    public var causes: CauseRules { CauseRules(configuration: configuration) }

    /// Compares everything in `input`: products by element id, orders by link, then the product id
    /// sequence against the Bitrix element id range (once, in the home shop's report).
    /// - Parameter input: Both sides, complete for every shop.
    /// - Returns: The changes in report order, the systematic losses, rows compared per table and what a
    ///   partial input withheld.
    /// - Complexity: O(n + m) over products and orders in id order, plus sorting the changes.
    public func reconcile(_ input: ReconcileInput) -> ReconcileResult {
        reconcile(input, lanes: ShopLanes([configuration.scope]))[0]
    }

    /// Reconciles each of `shops` as its own run, in one pass over both sides: the result for a shop is
    /// what a reconciler of this configuration with ``ReconcileConfiguration/shops`` set to that shop alone
    /// gives (the same changes in the same order, the same rows compared and withheld), as a fleet run
    /// needs for every shop's folder.
    ///
    /// ```swift
    /// var configuration = ReconcileConfiguration(shopID: 17008)
    /// configuration.sellerShops = [17008, 71264]
    /// let results = Reconciler(configuration: configuration).reconcile(input, eachShop: [17008, 71264])
    /// // results[1] == the reconciliation with configuration.shops = [71264]
    /// ```
    /// - Parameters:
    ///   - input: Both sides, complete for every shop.
    ///   - shops: The shops, each once; ``ReconcileConfiguration/shops`` is not read.
    /// - Returns: One result per shop, in the order of `shops`.
    /// - Complexity: O(n + m) over products and orders for all the shops together, plus sorting each
    ///   shop's changes.
    public func reconcile(_ input: ReconcileInput, eachShop shops: [Int64]) -> [ReconcileResult] {
        let scopes = shops.map {
            ShopScope(shops: [$0], sellers: configuration.sellerShops, home: configuration.shopID)
        }
        return reconcile(input, lanes: ShopLanes(scopes))
    }

    /// Compares everything in `input` once, for every lane.
    /// - Parameters:
    ///   - input: Both sides, complete for every shop.
    ///   - lanes: The runs the pass stands for.
    /// - Returns: One result per lane.
    func reconcile(_ input: ReconcileInput, lanes: ShopLanes) -> [ReconcileResult] {
        let products = ProductReconciler(configuration: configuration).compare(
            bitrix: input.bitrix.products, catalog: input.catalogProducts, partial: input.partial, lanes: lanes)
        let existence = OrderReconciler.Existence(
            bitrixOrders: input.bitrix.orderIDs, bitrixElements: input.bitrix.elementIDs,
            bitrixUsers: input.bitrix.userIDs,
            catalogProducts: input.catalogProductIDs ?? IDSet(input.catalogProducts.map(\.id)))
        let orders = OrderReconciler(configuration: configuration).compare(
            bitrix: input.bitrix.orders, catalog: input.catalogOrders, existence: existence, partial: input.partial,
            links: input.orderLinks, lanes: lanes)
        // Catalog-wide: once, in the home shop's report, when the home shop is in the run.
        var risk =
            lanes.scopes.contains { $0.reportsCatalogWide }
            ? input.productSequence.flatMap { SequenceCheck.check($0, bitrixIDs: input.bitrix.elementIDs) } : nil
        risk?.shop = configuration.shopID
        return lanes.scopes.indices.map { lane in
            let products = products[lane]
            let orders = orders[lane]
            var changes = products.changes + orders.changes
            if lanes.scopes[lane].reportsCatalogWide, let risk { changes.append(risk) }
            changes.sort(by: Change.reportOrder)
            return ReconcileResult(
                changes: changes, systematic: products.systematic,
                rowsCompared: [
                    "product.bitrix": products.bitrixCount, "product.catalog": products.catalogCount,
                    "product.matched": products.matched, "order.bitrix": orders.bitrixCount,
                    "order.catalog": orders.catalogCount, "order.matched": orders.matched,
                ],
                withheld: products.withheldOrphans + orders.withheld, snapshot: input.bitrix.snapshot,
                statusMapVersion: configuration.statusMap.version)
        }
    }
}
