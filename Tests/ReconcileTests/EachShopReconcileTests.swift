import BackstopExtract
import BackstopModel
import BackstopReconcile
import Foundation
import Testing

/// `Reconciler.reconcile(_:eachShop:)`, the fleet's one pass, against one reconciliation per shop on a
/// multi-seller input: every shop's changes (with their shops), counters, systematic losses and withheld
/// candidates must be what that shop's own reconciliation gives.
@Suite struct EachShopReconcileTests {
    static let sellers: Set<Int64> = [17008, 71264, 72812]

    func product(
        _ id: Int64, shop: Int64?, name: String = "Розы", price: Int64 = 495000, enabled: Bool = true,
        images: [String] = ["https://cvety.kz/upload/a.jpg"], created: String = "2025-01-01 00:00:00",
        updated: String? = nil, description: String? = nil
    ) -> CanonicalProduct {
        var product = CanonicalProduct(
            id: id, shopID: shop, name: name, price: Kopecks(price), enabled: enabled, image: images.first,
            images: images, createdAt: created)
        product.updatedAt = updated
        product.description = description
        return product
    }

    func order(
        _ id: Int64?, catalog: Int64?, shop: Int64?, status: String = "F", product: Int64 = 1, price: Int64 = 100_000,
        user: Int64 = 1, updated: String? = nil
    ) -> CanonicalOrder {
        var order = CanonicalOrder(
            bitrixID: id, catalogID: catalog, shopID: shop, bitrixStatus: status, total: Kopecks(price + 150_000),
            deliveryCost: Kopecks(150_000), currency: "KZT", userID: user, customerName: "Анна Ким",
            phone: "+77011234567", recipientName: "Айгуль", recipientPhone: "+77017654321",
            deliveryAddress: "улица Достык, 5/2",
            items: [
                CanonicalOrderItem(
                    productID: product, name: "Розы", price: Kopecks(price), quantityTenThousandths: 10_000)
            ], subtotal: Kopecks(price), deliveryDate: "2025-10-20")
        order.updatedAt = updated
        return order
    }

    func record(_ id: Int64, link: Int64?, shop: Int64, status: OrderStatus = .delivered, price: Int64 = 100_000)
        -> CatalogOrder
    {
        var order = order(link, catalog: id, shop: shop, price: price, updated: "2025-10-24 12:00:00")
        order.status = status
        order.bitrixStatus = nil
        order.userID = nil
        return CatalogOrder(
            order: order, orderNumber: "#\(id)", trackingID: "000000000", statusName: status.rawValue,
            subtotal: order.subtotal ?? Kopecks(0), rawPhone: order.phone ?? "",
            rawRecipientPhone: order.recipientPhone, deliveryType: "scheduled", items: [])
    }

    /// Three migrated sellers, a Bitrix-only seller (555), the webhook shop 8; products and orders that
    /// cross shops every way the attribution rules distinguish.
    func input(partial: Bool = false, sequenceNext: Int64 = 100_000) -> ReconcileInput {
        let bitrixProducts = [
            product(1, shop: 17008, updated: "2025-10-20 10:00:00"),  // clean, latency sample
            product(2, shop: 17008, price: 4950, description: "Свежие"),  // price drift, description loss
            product(3, shop: 71264, updated: "2025-10-21 10:00:00"),  // seller 71264's product in shop 17008
            product(4, shop: 71264, name: "Пионы"),  // renamed, sits in 72812: collision of 71264
            product(5, shop: 72812),  // in webhook shop 8: product.shop of 72812
            product(6, shop: 555, name: "Лилии"),  // Bitrix-only seller, catalog row in 17008
            product(7, shop: 71264),  // missing
            product(8, shop: 72812, enabled: false),  // disabled, missing: no finding, counted
            product(9, shop: nil),  // no seller: nowhere
            product(12, shop: 71264, name: "Тюльпаны"),  // renamed in its own shop
            product(14, shop: 72812, updated: "2025-10-22 10:00:00"),
        ]
        let catalogProducts = [
            product(1, shop: 17008, updated: "2025-10-21 10:00:00"),
            product(2, shop: 17008, description: "Другие"),
            product(3, shop: 17008, updated: "2025-10-21 11:00:00"),
            product(4, shop: 72812, name: "Архив"),
            product(5, shop: 8),
            product(6, shop: 17008, name: "Лилии 5"),
            product(10, shop: 71264),  // orphan of 71264
            product(11, shop: 8),  // orphan of 8 (not in the runs)
            product(12, shop: 71264, name: "Ромашки"),
            product(13, shop: 72812, enabled: false),  // disabled orphan: nothing
            product(14, shop: 72812, updated: "2025-10-22 09:00:00"),
        ]
        let bitrixOrders = [
            order(500, catalog: 1, shop: 17008, updated: "2025-10-24 10:00:00"),  // clean
            order(501, catalog: 2, shop: 71264, status: "RF"),  // seller 71264's order linked from shop 17008's
            order(502, catalog: 3, shop: 72812),  // link missing (catalog order 3 of 72812)
            order(503, catalog: 4, shop: 17008, price: 90_000),  // money drift
            order(504, catalog: 99, shop: 71264),  // missing
            order(505, catalog: 6, shop: 555, updated: "2025-10-24 11:00:00"),  // Bitrix-only seller: shop of 6
            order(506, catalog: 7, shop: 72812, product: 999, user: 77),  // dangling product and customer
            order(507, catalog: 8, shop: 17008),  // duplicate links (8 in 17008, 9 in 71264)
            order(508, catalog: 11, shop: 8),  // no run's order; its unlinked catalog order 11 is claimed
        ]
        let catalogOrders = [
            record(1, link: 500, shop: 17008),
            record(2, link: 501, shop: 17008),
            record(3, link: nil, shop: 72812),
            record(4, link: 503, shop: 17008),
            record(5, link: 4242, shop: 71264),  // orphan: its Bitrix order was deleted
            record(6, link: 505, shop: 72812, status: .accepted),
            record(7, link: 506, shop: 72812),
            record(8, link: 507, shop: 17008),
            record(9, link: 507, shop: 71264),
            record(10, link: nil, shop: 72812),  // never pushed
            record(11, link: nil, shop: 8),
        ]
        var input = ReconcileInput(
            bitrix: BitrixSnapshot(
                products: bitrixProducts, orders: bitrixOrders,
                snapshot: SnapshotTime(text: "2025-10-25 03:00:00", source: .footer),
                elementIDs: IDSet(bitrixProducts.map(\.id) + [17008, 71264, 72812, 555]),
                orderIDs: IDSet(bitrixOrders.compactMap(\.bitrixID)), userIDs: IDSet([1])),
            catalogProducts: catalogProducts, catalogOrders: catalogOrders,
            productSequence: CatalogSequence(
                name: "public.product_id_seq", lastValue: sequenceNext - 1, isCalled: true, increment: 1),
            partial: partial)
        input.bitrix.sellerIDs = Self.sellers.union([555])
        return input
    }

    func configuration(shops: Set<Int64>? = nil) -> ReconcileConfiguration {
        var configuration = ReconcileConfiguration(shopID: 17008)
        configuration.sellerShops = Self.sellers
        configuration.shops = shops
        return configuration
    }

    func expectSameAsEachShopAlone(_ input: ReconcileInput, shops: [Int64]) {
        let together = Reconciler(configuration: configuration()).reconcile(input, eachShop: shops)
        #expect(together.count == shops.count)
        for (shop, shared) in zip(shops, together) {
            let alone = Reconciler(configuration: configuration(shops: [shop])).reconcile(input)
            #expect(shared.changes == alone.changes, "shop \(shop)'s findings")
            #expect(shared.rowsCompared == alone.rowsCompared, "shop \(shop)'s rows compared")
            #expect(shared.systematic == alone.systematic, "shop \(shop)'s systematic losses")
            #expect(shared.withheld == alone.withheld, "shop \(shop)'s withheld candidates")
            #expect(shared.changes.allSatisfy { $0.shop == shop }, "every finding of shop \(shop) is its own")
        }
    }

    @Test func everyShopGetsWhatItsOwnReconciliationFinds() {
        let shops: [Int64] = [17008, 71264, 72812]
        let input = input()
        expectSameAsEachShopAlone(input, shops: shops)
        expectSameAsEachShopAlone(input.prepared(), shops: shops)
        expectSameAsEachShopAlone(input, shops: [72812, 71264])  // no home shop, another order
        expectSameAsEachShopAlone(input, shops: [8, 17008])  // a shop that is no seller
        expectSameAsEachShopAlone(self.input(partial: true), shops: shops)
        expectSameAsEachShopAlone(self.input(sequenceNext: 5), shops: shops)
    }

    @Test func crossShopRecordsGoToOneShopOnly() {
        let shops: [Int64] = [17008, 71264, 72812]
        let results = Reconciler(configuration: configuration()).reconcile(input(sequenceNext: 5), eachShop: shops)
        var owners: [String: [Int64]] = [:]
        for (shop, result) in zip(shops, results) {
            for change in Set(result.changes.map { "\($0.kind.rawValue) \($0.key)" }) {
                owners[change, default: []].append(shop)
            }
        }
        #expect(owners["product.shop 3"] == [71264], "seller 71264's product in shop 17008")
        #expect(owners["product.id_collision 4"] == [71264], "the Bitrix side's seller holds the collision")
        #expect(owners["product.shop 5"] == [72812], "a seller's product in the webhook shop")
        #expect(owners["product.id_collision 6"] == [17008], "a Bitrix-only seller's product: the catalog row's shop")
        #expect(owners["product.orphan 10"] == [71264])
        #expect(owners["product.orphan 11"] == nil, "shop 8 is not in the run")
        #expect(owners["order.status 501"] == [71264], "an order of 71264 linked from shop 17008's catalog order")
        #expect(owners["order.link_missing 502"] == [72812])
        #expect(owners["order.status 505"] == [72812], "a Bitrix-only seller's order: the catalog order's shop")
        #expect(owners["order.link_duplicate 507"] == [17008])
        #expect(owners["order.orphan 4242"] == [71264])
        #expect(owners["order.orphan catalog:10"] == [72812])
        #expect(owners["order.orphan catalog:11"] == nil, "claimed by Bitrix order 508, whoever reports it")
        #expect(owners["sequence.collision_risk product_id_seq"] == [17008], "catalog-wide: the home shop")
        #expect(results.map { $0.rowsCompared["product.matched"] } == [8, 8, 8], "matching is catalog-wide")
        #expect(results.map { $0.rowsCompared["product.bitrix"] } == [2, 4, 3])
    }

    @Test func everyShopsLatencySamplesAreWhatItsOwnSamplingTakes() {
        let input = input()
        let latency = SyncLatency(bitrixTimeZone: .gmt, catalogTimeZone: .gmt)
        let shops: [Int64] = [72812, 17008, 71264, 8]
        let together = latency.samples(
            bitrix: input.bitrix, catalogProducts: input.catalogProducts, catalogOrders: input.catalogOrders,
            shops: shops)
        for (shop, samples) in zip(shops, together) {
            let alone = latency.samples(
                bitrix: input.bitrix, catalogProducts: input.catalogProducts, catalogOrders: input.catalogOrders,
                shopID: shop)
            #expect(samples.products == alone.products, "shop \(shop)'s product samples")
            #expect(samples.orders == alone.orders, "shop \(shop)'s order samples")
        }
        #expect(together.map(\.products) == [[-3600], [86400], [], []], "product 3 sits in another shop: no sample")
        #expect(together.map(\.orders.count) == [1, 1, 0, 0])
    }
}
