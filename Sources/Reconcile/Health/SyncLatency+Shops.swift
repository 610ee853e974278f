public import BackstopExtract
public import BackstopModel

extension SyncLatency {
    /// A shop and a row id: the key of the shared pass's lookups, so that each shop sees only its own rows.
    private struct ShopRow: Hashable {
        var shop: Int64
        var id: Int64
    }

    /// Every shop's samples in one pass over each side: the samples of each shop are
    /// ``samples(bitrix:catalogProducts:catalogOrders:shopID:)`` of that shop (the same values in the same
    /// order), without a fleet run walking the catalog and the Bitrix model once per shop.
    /// - Parameters:
    ///   - bitrix: The Bitrix model.
    ///   - catalogProducts: Catalog products of every shop.
    ///   - catalogOrders: Catalog orders of every shop.
    ///   - shops: The shops sampled, each once.
    /// - Returns: One sample set per shop, in the order of `shops`.
    public func samples(
        bitrix: BitrixSnapshot, catalogProducts: [CanonicalProduct], catalogOrders: [CatalogOrder], shops: [Int64]
    ) -> [Samples] {
        var lanes: [Int64: Int] = [:]
        for (lane, shop) in shops.enumerated() {
            precondition(lanes.updateValue(lane, forKey: shop) == nil, "shop \(shop) sampled twice")
        }
        var result = [Samples](repeating: Samples(products: [], orders: []), count: shops.count)

        // Products: a shop's Bitrix product against the catalog row of the same id in the same shop (the
        // last one, as the one-shop pass's dictionary keeps).
        var productTimes: [ShopRow: String] = [:]
        for k in catalogProducts.indices {
            guard let shop = catalogProducts[k].shopID, lanes[shop] != nil, let t = catalogProducts[k].updatedAt
            else { continue }
            productTimes[ShopRow(shop: shop, id: catalogProducts[k].id)] = t
        }
        let products = bitrix.products
        for k in products.indices {
            guard let shop = products[k].shopID, let lane = lanes[shop], let changed = products[k].updatedAt,
                let synced = productTimes[ShopRow(shop: shop, id: products[k].id)],
                let sample = seconds(bitrix: changed, catalog: synced)
            else { continue }
            result[lane].products.append(sample)
        }

        // Orders: every Bitrix order against each shop's catalog order linked to it (by `bitrix_order_id`,
        // else by catalog id), the shops that have one found through the two indexes.
        var byBitrixID: [ShopRow: String] = [:]
        var byCatalogID: [ShopRow: String] = [:]
        var shopsByBitrixID: [Int64: [Int64]] = [:]
        var shopsByCatalogID: [Int64: [Int64]] = [:]
        for k in catalogOrders.indices {
            guard let shop = catalogOrders[k].order.shopID, lanes[shop] != nil, let t = catalogOrders[k].order.updatedAt
            else { continue }
            if let id = catalogOrders[k].order.bitrixID {
                if byBitrixID.updateValue(t, forKey: ShopRow(shop: shop, id: id)) == nil {
                    shopsByBitrixID[id, default: []].append(shop)
                }
            }
            if let id = catalogOrders[k].order.catalogID {
                if byCatalogID.updateValue(t, forKey: ShopRow(shop: shop, id: id)) == nil {
                    shopsByCatalogID[id, default: []].append(shop)
                }
            }
        }
        let orders = bitrix.orders
        for k in orders.indices {
            guard let changed = orders[k].updatedAt else { continue }
            let bitrixID = orders[k].bitrixID
            let catalogID = orders[k].catalogID
            let viaBitrix = bitrixID.flatMap { shopsByBitrixID[$0] } ?? []
            let viaCatalog = catalogID.flatMap { shopsByCatalogID[$0] } ?? []
            guard !viaBitrix.isEmpty || !viaCatalog.isEmpty else { continue }
            for shop in viaBitrix + viaCatalog.filter({ !viaBitrix.contains($0) }) {
                let synced =
                    bitrixID.flatMap { byBitrixID[ShopRow(shop: shop, id: $0)] }
                    ?? catalogID.flatMap { byCatalogID[ShopRow(shop: shop, id: $0)] }
                guard let synced, let lane = lanes[shop], let sample = seconds(bitrix: changed, catalog: synced)
                else { continue }
                result[lane].orders.append(sample)
            }
        }
        return result
    }
}
