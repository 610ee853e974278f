/// The results one comparison pass fills: one lane per run it stands for, each with its ``ShopScope``.
///
/// A one-shop (or one-selection) reconciliation is one lane. A fleet run reconciles every shop as its own
/// run, each with the scope `{shop}`: one pass over both sides serves them all, handing each record to the
/// lanes that report it, so every shop's result is what a reconciliation of that shop alone would give
/// (same changes in the same order, same counters), without walking the catalog once per shop.
struct ShopLanes: Sendable {
    /// Each lane's scope; no shop is in two lanes.
    let scopes: [ShopScope]
    /// A shop reported by some lane → that lane.
    private let laneOfShop: [Int64: Int]

    /// Lanes for `scopes`, whose shop sets must be disjoint.
    /// - Parameter scopes: One scope per lane.
    init(_ scopes: [ShopScope]) {
        var laneOfShop: [Int64: Int] = [:]
        for (lane, scope) in scopes.enumerated() {
            for shop in scope.shops {
                let previous = laneOfShop.updateValue(lane, forKey: shop)
                precondition(previous == nil, "shop \(shop) is in two lanes")
            }
        }
        self.scopes = scopes
        self.laneOfShop = laneOfShop
    }

    /// How many lanes there are.
    var count: Int { scopes.count }

    /// The lane whose scope reports `shop` (``ShopScope/reports(_:)``), `nil` when none does.
    /// - Parameter shop: A record's shop, or `nil`.
    /// - Returns: The lane's index.
    func lane(of shop: Int64?) -> Int? {
        guard let shop else { return nil }
        return laneOfShop[shop]
    }

    /// Calls `body` for each lane that reports a record with these sides, with the record's owner in that
    /// lane's scope (``ShopScope/owner(bitrix:catalog:)``): at most two lanes, the Bitrix side's and the
    /// catalog side's, since the owner is always one of the two shops. The Bitrix side's lane comes first.
    /// - Parameters:
    ///   - bitrix: The Bitrix side's shop.
    ///   - catalog: The catalog row's shop.
    ///   - body: Receives the lane and the owner.
    func reporting(bitrix: Int64?, catalog: Int64?, _ body: (Int, Int64) -> Void) {
        let first = lane(of: bitrix)
        if let lane = first, let owner = scopes[lane].owner(bitrix: bitrix, catalog: catalog),
            scopes[lane].reports(owner)
        {
            body(lane, owner)
        }
        if let lane = self.lane(of: catalog), lane != first,
            let owner = scopes[lane].owner(bitrix: bitrix, catalog: catalog), scopes[lane].reports(owner)
        {
            body(lane, owner)
        }
    }
}
