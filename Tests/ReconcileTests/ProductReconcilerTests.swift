import BackstopModel
import BackstopReconcile
import Testing

@Suite struct ProductReconcilerTests {
    let configuration = ReconcileConfiguration()

    func product(
        _ id: Int64, shop: Int64 = 17008, name: String = "Розы", price: Int64 = 495000, enabled: Bool = true,
        images: [String] = ["https://cvety.kz/upload/a.jpg"], created: String = "2025-01-01 00:00:00"
    ) -> CanonicalProduct {
        CanonicalProduct(
            id: id, shopID: shop, name: name, price: Kopecks(price), enabled: enabled, image: images.first,
            images: images,
            createdAt: created)
    }

    func compare(_ bitrix: [CanonicalProduct], _ catalog: [CanonicalProduct], partial: Bool = false) -> [String:
        [Change]]
    {
        let result = ProductReconciler(configuration: configuration).compare(
            bitrix: bitrix, catalog: catalog, partial: partial)
        return Dictionary(grouping: result.changes, by: \.key)
    }

    @Test func classifiesMissingOrphanAndFieldDrift() {
        let bitrix = [
            product(1), product(2, name: "Тюльпаны\u{00A0} 25"), product(3, price: 4950), product(4, enabled: false),
            product(5), product(6, shop: 71264), product(7, price: 495000), product(10), product(11),
        ]
        let catalog = [
            product(2, name: "Тюльпаны 25"), product(3, price: 495000), product(4, enabled: true), product(8),
            product(9, shop: 8, enabled: true), product(5, shop: 8), product(7, price: 0), product(10, images: []),
            product(11, images: ["https://cvety.kz/upload/old.jpg"]),
        ]
        let byKey = compare(bitrix, catalog)
        #expect(byKey["1"]?.map(\.kind) == [.productMissing])
        #expect(byKey["2"] == nil, "NBSP and whitespace runs are normalised")
        #expect(byKey["3"]?.map(\.field) == ["price"])
        #expect(byKey["3"]?.first?.evidence == .priceTimes100)
        #expect(byKey["4"]?.map(\.field) == ["enabled"])
        #expect(byKey["5"]?.map(\.kind) == [.productShop], "a row in another shop is product.shop only")
        #expect(byKey["5"]?.first?.evidence == .webhookShop)
        #expect(byKey["6"] == nil, "other sellers are not in the 17008 catalog")
        #expect(byKey["7"]?.first?.evidence == .priceParsedToZero)
        #expect(byKey["8"]?.map(\.kind) == [.productOrphan])
        #expect(byKey["9"] == nil, "rows of other shops are not orphans of 17008")
        #expect(byKey["10"]?.map(\.kind) == [.productImagesMissing])
        #expect(Set(byKey["11"]?.compactMap(\.field) ?? []) == ["image", "images"])
        #expect(byKey.count == 8, "nothing on keys 2, 6 and 9")
    }

    @Test func anotherProductUnderABitrixIDIsACollisionAndNothingElse() {
        let bitrix = [
            product(1, name: "Розы 101"), product(2, name: "Пионы", created: "2025-05-01 00:00:00"),
        ]
        let catalog = [
            product(1, shop: 8, name: "Тестовый букет", price: 1),
            product(2, name: "Тест", created: "2025-04-01 00:00:00"),
        ]
        let byKey = compare(bitrix, catalog)
        #expect(byKey["1"]?.map(\.kind) == [.productIDCollision])
        #expect(byKey["1"]?.first?.shop == 17008, "the Bitrix side's seller holds it")
        #expect(byKey["2"]?.map(\.kind) == [.productIDCollision])
    }

    /// Every rule is judged within the run's shops: another migrated seller's renamed product is a
    /// `product.field` name of that seller, never a collision of 17008; a local product on another seller's
    /// element is that seller's collision; a product of seller A sitting in shop B is A's `product.shop`.
    @Test func rulesAreJudgedWithinTheRunsShops() {
        let bitrix = [
            product(1, shop: 71264, name: "Розы 101"), product(2, shop: 71264, name: "Пионы"),
            product(3, shop: 71264), product(4, shop: 72812, name: "Лилии"),
        ]
        let catalog = [
            product(1, shop: 71264, name: "Архив: Розы"), product(2, shop: 8, name: "Тестовый букет"),
            product(3, shop: 17008), product(4, shop: 17008, name: "Лилии"),
        ]
        func run(_ shops: Set<Int64>) -> [String: [Change]] {
            var configuration = ReconcileConfiguration()
            configuration.shops = shops
            configuration.sellerShops = [17008, 71264]
            let result = ProductReconciler(configuration: configuration).compare(
                bitrix: bitrix, catalog: catalog, partial: false)
            return Dictionary(grouping: result.changes, by: \.key)
        }
        let home = run([17008])
        #expect(home["1"] == nil, "another seller's rename is not a collision of 17008 (the scope leak)")
        #expect(home["2"] == nil)
        #expect(home["3"] == nil, "seller 71264's product in shop 17008 is 71264's finding")
        #expect(home["4"]?.map(\.kind) == [.productShop], "a Bitrix-only seller's product: the catalog row's shop")
        #expect(home["4"]?.first?.shop == 17008)
        let seller = run([71264])
        #expect(seller["1"]?.map(\.field) == ["name"])
        #expect(seller["2"]?.map(\.kind) == [.productIDCollision])
        #expect(seller["3"]?.map(\.kind) == [.productShop])
        #expect(seller["3"]?.first?.evidence == .otherShop)
        #expect(seller["4"] == nil)
        let both = run([17008, 71264])
        #expect(both.values.joined().count == home.values.joined().count + seller.values.joined().count)
        #expect(Set(both.values.joined()) == Set(home.values.joined()).union(seller.values.joined()))
    }

    @Test func aPartialDumpReportsNoOrphans() {
        let result = ProductReconciler(configuration: configuration).compare(
            bitrix: [product(1)], catalog: [product(1), product(2), product(3)], partial: true)
        #expect(result.changes.isEmpty)
        #expect(result.withheldOrphans == 2)
    }

    @Test func identicalSidesHaveNoChangesInAnyOrder() {
        let products = (1...100).map { product(Int64($0), name: "Букет \($0)", price: Int64($0) * 100) }
        let result = ProductReconciler(configuration: configuration).compare(
            bitrix: products.shuffled(), catalog: products.shuffled(), partial: false)
        #expect(result.changes.isEmpty)
        #expect(result.matched == 100)
    }

    @Test func causesComeFromTheRuleTableWithTheConfiguredShops() {
        let configuration = ReconcileConfiguration(shopID: 17008, webhookShopID: 42)
        let rules = CauseRules(configuration: configuration)
        #expect(rules.cause(for: .webhookShop).code == "webhook_shop")
        #expect(rules.cause(for: .webhookShop).text.contains("42"))
        for evidence in Evidence.allCases { #expect(!rules.cause(for: evidence).text.isEmpty) }
    }
}
