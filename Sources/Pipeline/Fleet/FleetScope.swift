import BackstopExtract
import BackstopModel
import BackstopPostgres
import BackstopReconcile

/// The shops of the catalog and which of them a run covers: the catalog's `shop` table, the Bitrix
/// sellers (iblock-32 elements, or `[shops]` mappings), the `--shop` selection resolved against both.
public struct FleetScope: Sendable, Equatable {
    /// One row of the catalog's `shop` table.
    public struct Shop: Sendable, Equatable {
        /// `shop.id`.
        public var id: Int64
        /// `shop.name`.
        public var name: String
    }

    /// Every shop of the catalog, in id order.
    public var catalogShops: [Shop]
    /// The catalog shops that are Bitrix sellers (the fleet), in id order.
    public var sellers: [Int64]
    /// The shops the run reconciles, in id order (this partition's share of them with `--partition`).
    public var selected: [Int64]
    /// Catalog shops that are not sellers (`all` leaves them out; the fleet page lists them as out of scope).
    public var outOfScope: [Shop] { catalogShops.filter { !sellers.contains($0.id) } }

    /// Reads the catalog's `shop` table.
    static func catalogShops(_ connection: PGConnection) throws -> [Shop] {
        try connection.execute("SELECT s.id::text, coalesce(s.name, '') FROM shop s ORDER BY s.id").rows.compactMap {
            row in
            guard let id = row[0].flatMap({ Int64($0) }) else { return nil }
            return Shop(id: id, name: row[1] ?? "")
        }
    }

    /// Checks that every explicitly selected shop exists in the catalog.
    ///
    /// - Throws: ``PipelineError`` `shopSelection` naming the first unknown id and listing the shops there.
    static func validate(_ selection: ShopSelection?, against shops: [Shop]) throws(PipelineError) {
        guard case .ids(let ids)? = selection else { return }
        let known = Set(shops.map(\.id))
        for id in ids where !known.contains(id) {
            throw PipelineError(
                .shopSelection,
                "--shop \(id): no such shop in the catalog's shop table; the shops there are "
                    + (shops.isEmpty ? "none" : shops.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")))
        }
    }

    /// Resolves the selection once the dump's sellers are known.
    ///
    /// - Parameters:
    ///   - selection: `--shop` (`nil`: the home shop alone).
    ///   - home: the home shop (`catalog.shop_id`).
    ///   - shops: the catalog's shops.
    ///   - bitrixSellers: the dump's iblock-32 element ids.
    ///   - shopMap: `[shops]`: seller id → catalog shop id where they differ.
    ///   - partition: `--partition K/N`: keep the K-th share (`share(_:weights:count:)`).
    ///   - weights: rows per shop in the catalog (products and orders), for the shares' balance.
    /// - Returns: the catalog's shops, the fleet's sellers and the shops this run reconciles.
    static func resolve(
        _ selection: ShopSelection?, home: Int64, shops: [Shop], bitrixSellers: Set<Int64>, shopMap: [Int64: Int64],
        partition: FleetPartition? = nil, weights: [Int64: Int] = [:]
    ) -> FleetScope {
        let known = Set(shops.map(\.id))
        var sellerShops = Set(bitrixSellers.map { shopMap[$0] ?? $0 })
        sellerShops.formUnion(shopMap.values)
        let sellers = shops.map(\.id).filter { sellerShops.contains($0) }
        let selected: [Int64]
        switch selection {
        case nil: selected = [home]
        case .all?: selected = sellers
        case .ids(let ids)?: selected = ids.filter(known.contains).sorted()
        }
        guard let partition else { return FleetScope(catalogShops: shops, sellers: sellers, selected: selected) }
        let shares = share(selected, weights: weights, count: partition.count)
        return FleetScope(catalogShops: shops, sellers: sellers, selected: shares[partition.index - 1])
    }

    /// Splits `shops` into `count` shares balanced by `weights` (catalog rows per shop), deterministically:
    /// heaviest shop first (ties by id) to the lightest share so far (ties to the lowest share). Every worker
    /// computes the same split from the same catalog, so N workers cover the shops exactly once.
    ///
    /// - Returns: `count` shares, each in id order.
    static func share(_ shops: [Int64], weights: [Int64: Int], count: Int) -> [[Int64]] {
        var shares = [[Int64]](repeating: [], count: max(count, 1))
        var loads = [Int](repeating: 0, count: shares.count)
        let ordered = shops.sorted { (weights[$0] ?? 0, -$0) > (weights[$1] ?? 0, -$1) }
        for shop in ordered {
            var lightest = 0
            for k in loads.indices where loads[k] < loads[lightest] { lightest = k }
            shares[lightest].append(shop)
            // Every shop counts at least 1, so empty shops spread too.
            loads[lightest] += max(weights[shop] ?? 0, 1)
        }
        return shares.map { $0.sorted() }
    }

    /// Catalog rows (products and orders) per shop, the weights of `share(_:weights:count:)`.
    static func weights(_ catalog: CatalogInput.Snapshot) -> [Int64: Int] {
        var weights: [Int64: Int] = [:]
        for product in catalog.products { if let shop = product.shopID { weights[shop, default: 0] += 1 } }
        for order in catalog.orders { if let shop = order.order.shopID { weights[shop, default: 0] += 1 } }
        return weights
    }

    /// The Bitrix model with every seller id that `[shops]` maps replaced by its catalog shop id.
    static func mapped(_ snapshot: BitrixSnapshot, _ shopMap: [Int64: Int64]) -> BitrixSnapshot {
        guard !shopMap.isEmpty else { return snapshot }
        var snapshot = snapshot
        for k in snapshot.products.indices {
            if let seller = snapshot.products[k].shopID, let shop = shopMap[seller] {
                snapshot.products[k].shopID = shop
            }
        }
        for k in snapshot.orders.indices {
            if let seller = snapshot.orders[k].shopID, let shop = shopMap[seller] { snapshot.orders[k].shopID = shop }
        }
        return snapshot
    }
}
