import BackstopModel
import BackstopTestSupport
import Foundation
import Testing

@testable import BackstopExtract

/// Products built when the product tables are done (``BitrixModelBuilder/buildsProductsEarly``) give the
/// model of a build at the end: the same products (`enabled` at the snapshot time decided by the order
/// rows), the same basket names, the same problems in the same order; and a product row after the orders
/// is noticed.
struct BitrixEarlyBuildTests {
    typealias T = BitrixModelTests

    /// A basket line of order 500.
    static func line(_ id: Int, product: Int, name: String?) -> DumpRow {
        T.row(
            "b_sale_basket",
            [
                "ID": id, "ORDER_ID": 500, "PRODUCT_ID": product, "NAME": name, "PRICE": Decimal(string: "10.0000"),
                "QUANTITY": Decimal(string: "1.0000"),
            ])
    }

    /// The catalog tables, then order-side rows in the dump's order: basket lines carrying a product's own
    /// name, another seller's element name (no product under the shop filter), a changed name and none;
    /// an order updated after every product date (the snapshot time without a footer), an order with a
    /// problem, property values.
    static var rows: [DumpRow] {
        T.catalogRows + [
            T.element(105, name: "Пионы", from: "2025-07-01 00:00:00"),
            T.element(106, name: "Чужой букет", to: "2025-07-01 00:00:00"),
            T.property(10, property: 290, element: 105, "17008"),
            T.property(11, property: 290, element: 106, "71264"),
            line(1, product: 100, name: "Розы 101"),
            line(2, product: 106, name: "Чужой букет"),
            line(3, product: 105, name: "Пионы (акция)"),
            line(4, product: 999, name: nil),
            line(5, product: 103, name: "Букет"),
            T.row(
                "b_sale_order",
                [
                    "ID": 500, "LID": "s1", "STATUS_ID": "F", "PRICE": Decimal(string: "50.0000"),
                    "PRICE_DELIVERY": Decimal(string: "0.0000"), "CURRENCY": "KZT", "USER_ID": 1,
                    "XML_ID": "railway-7", "DATE_INSERT": "2025-08-20 10:00:00", "DATE_UPDATE": "2025-08-21 09:00:00",
                ]),
            T.row(
                "b_sale_order",
                [
                    "ID": 501, "LID": "s1", "STATUS_ID": "F", "PRICE": Decimal(string: "1.00001"),
                    "PRICE_DELIVERY": Decimal(string: "0.0000"), "CURRENCY": "KZT", "XML_ID": "railway-8",
                ]),
            T.row(
                "b_sale_order_props_value",
                ["ID": 1, "ORDER_ID": 500, "ORDER_PROPS_ID": 2, "CODE": "phone", "VALUE": "12345"]),
        ]
    }

    static func build(
        _ rows: [DumpRow], early: Bool, completedAt: String?, configuration: BitrixConfiguration
    ) -> (snapshot: BitrixSnapshot, builtEarly: Bool) {
        let builder = BitrixModelBuilder(configuration: configuration, logger: TestDatabase.quietLogger)
        builder.buildsProductsEarly = early
        var builtEarly = false
        for row in rows {
            builder.consume(row)
            builtEarly = builtEarly || builder.earlyProducts != nil
        }
        #expect(!builder.earlyBuildAbandoned)
        return (builder.finish(completedAt: completedAt), builtEarly)
    }

    @Test(arguments: [T.completedAt, nil], [nil, 17008] as [Int64?])
    func earlyBuildGivesTheModelOfABuildAtTheEnd(completedAt: String?, shop: Int64?) {
        var configuration = BitrixConfiguration()
        configuration.shopFilter = shop
        let serial = Self.build(Self.rows, early: false, completedAt: completedAt, configuration: configuration)
        let early = Self.build(Self.rows, early: true, completedAt: completedAt, configuration: configuration)
        #expect(!serial.builtEarly)
        #expect(early.builtEarly)
        #expect(early.snapshot.products == serial.snapshot.products)
        #expect(early.snapshot.orders == serial.snapshot.orders)
        #expect(early.snapshot.problems.map(\.description) == serial.snapshot.problems.map(\.description))
        #expect(early.snapshot.skipped == serial.snapshot.skipped)
        #expect(early.snapshot.snapshot == serial.snapshot.snapshot)
        #expect(early.snapshot.productsOutOfScope == serial.snapshot.productsOutOfScope)
        // The snapshot time decides `enabled` of the products with dates: without a footer it is the
        // newest order update, read after the products were built.
        let peonies = early.snapshot.products.first { $0.id == 105 }
        #expect(peonies?.enabled == (completedAt == nil))
        let names = early.snapshot.orders.first?.items.map(\.name)
        #expect(names == ["Розы 101", "Чужой букет", "Пионы (акция)", "", "Букет"])
        guard shop == nil else { return }
        #expect(early.snapshot.products.first { $0.id == 102 }?.enabled == (completedAt == nil))
        // The products' problems (a missing file) sit where a build at the end puts them: after the rows'
        // (an order's price), before the orders' (a phone).
        let sources = early.snapshot.problems.map(\.source)
        let row = sources.firstIndex(of: "b_sale_order") ?? .max
        let product = sources.firstIndex(of: "b_file") ?? .max
        let order = sources.firstIndex(of: "b_sale_order_props_value") ?? .max
        #expect(row < product && product < order && order < .max)
    }

    /// An order-side table's `CREATE TABLE` right after the product rows builds the products there (the
    /// reader is then busy skimming a deferred basket), with the model of a build at the end; one before any
    /// product row (a dump declaring every table first) or after order rows builds nothing.
    @Test func anOrderSideTableStartBuildsTheProductsEarly() {
        let configuration = BitrixConfiguration()
        let serial = Self.build(Self.rows, early: false, completedAt: T.completedAt, configuration: configuration)
        let builder = BitrixModelBuilder(configuration: configuration, logger: TestDatabase.quietLogger)
        builder.buildsProductsEarly = true
        builder.noteTableStart("b_sale_basket")
        #expect(builder.earlyProducts == nil, "no product row read yet")
        let firstOrderSide = Self.rows.firstIndex { $0.table == "b_sale_basket" } ?? Self.rows.count
        for row in Self.rows[..<firstOrderSide] { builder.consume(row) }
        builder.noteTableStart("b_iblock_section")
        #expect(builder.earlyProducts == nil, "not an order-side table")
        builder.noteTableStart("b_sale_basket")
        #expect(builder.earlyProducts != nil)
        for row in Self.rows[firstOrderSide...] { builder.consume(row) }
        #expect(!builder.earlyBuildAbandoned)
        let early = builder.finish(completedAt: T.completedAt)
        #expect(early.products == serial.snapshot.products)
        #expect(early.orders == serial.snapshot.orders)
        #expect(early.problems.map(\.description) == serial.snapshot.problems.map(\.description))

        // Without the early build, a table start changes nothing.
        let plain = BitrixModelBuilder(configuration: configuration, logger: TestDatabase.quietLogger)
        for row in Self.rows[..<firstOrderSide] { plain.consume(row) }
        plain.noteTableStart("b_sale_order")
        #expect(plain.earlyProducts == nil)
    }

    /// A product-table row after an order-side row (a dump not in alphabetical table order): the early
    /// build is abandoned, so the caller reads again with the products built at the end.
    @Test func productRowAfterTheOrdersAbandonsTheEarlyBuild() {
        let builder = BitrixModelBuilder(logger: TestDatabase.quietLogger)
        builder.buildsProductsEarly = true
        var rows = Self.rows
        let late = T.price(9, product: 105, group: 1, "700.00", "KZT")
        rows.append(late)
        for row in rows { builder.consume(row) }
        #expect(builder.earlyBuildAbandoned)

        // Read again without it, the late price is the product's.
        let serial = Self.build(rows, early: false, completedAt: T.completedAt, configuration: BitrixConfiguration())
        #expect(serial.snapshot.products.first { $0.id == 105 }?.price == Kopecks(70_000))
    }
}
