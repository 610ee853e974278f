import BackstopModel
import BackstopReconcile
import Testing

@Suite struct ProductDiffTests {
    func product(_ id: Int64, shop: Int64 = 17008, name: String = "Розы", price: Int64 = 495000, enabled: Bool = true) -> CanonicalProduct {
        CanonicalProduct(id: id, shopID: shop, name: name, price: Kopecks(price), enabled: enabled)
    }

    @Test func classifiesMissingOrphanAndFieldDrift() {
        let bitrix = [
            product(1), product(2, name: "Тюльпаны\u{00A0} 25"), product(3, price: 4950), product(4, enabled: false),
            product(5), product(6, shop: 71264), product(7, price: 495000),
        ]
        let catalog = [
            product(2, name: "Тюльпаны 25"), product(3, price: 495000), product(4, enabled: true), product(8),
            product(9, shop: 8, enabled: true), product(5, shop: 8), product(7, price: 0),
        ]
        let found = ProductDiff(shopID: 17008).compare(bitrix: bitrix, catalog: catalog)
        let byKey = Dictionary(grouping: found, by: \.key)
        #expect(byKey["1"]?.map(\.kind) == [.productMissing])
        #expect(byKey["2"] == nil, "NBSP and whitespace runs are normalised")
        #expect(byKey["3"]?.first?.field == "price")
        #expect(byKey["3"]?.first?.probableCause?.contains("×100") == true)
        #expect(byKey["4"]?.first?.field == "enabled")
        #expect(byKey["5"]?.map(\.kind) == [.productShop])
        #expect(byKey["6"] == nil, "other sellers are not in the 17008 catalog")
        #expect(byKey["7"]?.first?.probableCause?.contains("→ 0") == true)
        #expect(byKey["8"]?.map(\.kind) == [.productOrphan])
        #expect(byKey["9"] == nil, "rows of other shops are not orphans of 17008")
    }

    @Test func identicalSidesHaveNoDiscrepancies() {
        let products = (1...100).map { product(Int64($0), name: "Букет \($0)", price: Int64($0) * 100) }
        #expect(ProductDiff(shopID: 17008).compare(bitrix: products.shuffled(), catalog: products.shuffled()).isEmpty)
    }
}
