/// Which shops a run reports on, and which shop each finding belongs to, so that a multi-shop run reports
/// every finding exactly once and a one-shop run reports exactly that shop's part of it.
///
/// Matching stays catalog-wide; only reporting is scoped. A finding belongs to the shop of its Bitrix side
/// (the seller of a product, the `shopId` order property of an order) when that seller is a catalog shop of
/// the fleet (``sellers``) or one of the run's shops; otherwise, and for records that only the catalog has,
/// to the catalog row's shop. Catalog-wide findings (`sequence.collision_risk`) belong to the ``home`` shop.
public struct ShopScope: Sendable, Hashable {
    /// The shops the run reports on.
    public var shops: Set<Int64>
    /// Every catalog shop that is a Bitrix seller (the fleet), whether in the run or not: a Bitrix side whose
    /// seller is one of them belongs to that seller even when the catalog row sits in another shop.
    public var sellers: Set<Int64>
    /// The configured home shop (`catalog.shop_id`), which holds the catalog-wide findings.
    public var home: Int64

    /// A scope for one run.
    /// - Parameters:
    ///   - shops: The shops the run reports on (`--shop`).
    ///   - sellers: Every catalog shop that is a Bitrix seller; empty when unknown (then a Bitrix side in
    ///     another shop than its catalog row belongs to the catalog row's shop unless it is a run shop).
    ///   - home: The configured home shop.
    public init(shops: Set<Int64>, sellers: Set<Int64> = [], home: Int64) {
        self.shops = shops
        self.sellers = sellers
        self.home = home
    }

    /// The shop a finding about a record belongs to, from the Bitrix side's shop and the catalog row's shop
    /// (`nil` where a side is absent or names no shop).
    ///
    /// ```swift
    /// let scope = ShopScope(shops: [17008], sellers: [17008, 71264], home: 17008)
    /// scope.owner(bitrix: 71264, catalog: 8)     // 71264: a seller's product the webhook put in shop 8
    /// scope.owner(bitrix: 555, catalog: 17008)   // 17008: 555 is no catalog shop
    /// scope.owner(bitrix: nil, catalog: 8)       // 8: only the catalog has the record
    /// ```
    ///
    /// - Parameters:
    ///   - bitrix: The Bitrix side's shop (seller property, `shopId` order property).
    ///   - catalog: The catalog row's `shop_id`.
    /// - Returns: The owning shop, `nil` when neither side names one (such a finding is reported nowhere).
    public func owner(bitrix: Int64?, catalog: Int64?) -> Int64? {
        guard let bitrix else { return catalog }
        if catalog == nil || catalog == bitrix || sellers.contains(bitrix) || shops.contains(bitrix) { return bitrix }
        return catalog
    }

    /// Whether a finding of `shop` is reported by this run; a finding with no shop never is.
    /// - Parameter shop: The owner from ``owner(bitrix:catalog:)``.
    /// - Returns: `true` when the shop is one of ``shops``.
    public func reports(_ shop: Int64?) -> Bool { shop.map(shops.contains) ?? false }

    /// Whether this run reports the catalog-wide findings.
    public var reportsCatalogWide: Bool { shops.contains(home) }
}
