import BackstopModel
import BackstopTestSupport
import Foundation
import Testing

@testable import BackstopExtract

/// The Bitrix model from hand-built dump rows, fed in the dump's alphabetical table order.
struct BitrixModelTests {
    static func row(_ table: String, _ pairs: KeyValuePairs<String, Any?>) -> DumpRow {
        DumpRow(
            table: table, columns: DumpColumns(pairs.map(\.key)),
            values: pairs.map { _, value in
                switch value {
                case nil: return .null
                case let int as Int: return .number(Array(String(int).utf8))
                case let text as String: return .string(Array(text.utf8))
                case let number as Decimal: return .number(Array(number.description.utf8))
                default: return .null
                }
            })
    }

    static func element(
        _ id: Int, iblock: Int = 2, name: String = "Букет", active: String = "Y", from: String? = nil,
        to: String? = nil,
        preview: Int? = nil, detail: Int? = nil, parent: Int? = nil
    ) -> DumpRow {
        row(
            "b_iblock_element",
            [
                "ID": id, "IBLOCK_ID": iblock, "ACTIVE": active, "ACTIVE_FROM": from, "ACTIVE_TO": to, "NAME": name,
                "PREVIEW_PICTURE": preview, "DETAIL_PICTURE": detail, "DETAIL_TEXT": "<p>текст</p>",
                "WF_PARENT_ELEMENT_ID": parent, "DATE_CREATE": "2025-04-24 17:01:07",
            ])
    }

    static func property(_ id: Int, property: Int, element: Int, _ value: String) -> DumpRow {
        row(
            "b_iblock_element_property",
            ["ID": id, "IBLOCK_PROPERTY_ID": property, "IBLOCK_ELEMENT_ID": element, "VALUE": value])
    }

    static func price(_ id: Int, product: Int, group: Int, _ price: String, _ currency: String) -> DumpRow {
        row(
            "b_catalog_price",
            [
                "ID": id, "PRODUCT_ID": product, "CATALOG_GROUP_ID": group, "PRICE": Decimal(string: price),
                "CURRENCY": currency, "QUANTITY_FROM": nil,
            ])
    }

    /// The dump's footer time: "now" = 2025-06-01 12:00 in Almaty.
    static let completedAt = "2025-06-01 12:00:00"

    static func build(_ rows: [DumpRow], configuration: BitrixConfiguration = BitrixConfiguration()) -> BitrixSnapshot {
        let builder = BitrixModelBuilder(configuration: configuration, logger: TestDatabase.quietLogger)
        for row in rows { builder.consume(row) }
        return builder.finish(completedAt: completedAt)
    }

    static var catalogRows: [DumpRow] {
        [
            row("b_catalog_group", ["ID": 1, "NAME": "BASE", "BASE": "Y"]),
            row("b_catalog_group", ["ID": 2, "NAME": "RUB", "BASE": "N"]),
            price(1, product: 100, group: 1, "4950.50", "KZT"),
            price(2, product: 100, group: 2, "99.00", "RUB"),
            price(3, product: 101, group: 1, "1200.00", "RUB"),
            price(4, product: 102, group: 1, "15000.00", "KZT"),
            row("b_file", ["ID": 10, "SUBDIR": "iblock/a1b", "FILE_NAME": "main.jpg"]),
            row("b_file", ["ID": 11, "SUBDIR": "/iblock//c2d/", "FILE_NAME": "фото букета 1.jpg"]),
            row("b_file", ["ID": 12, "SUBDIR": "iblock/e3f", "FILE_NAME": "g2.png"]),
            row("b_file", ["ID": 13, "SUBDIR": "iblock/e3f", "FILE_NAME": "g1.png"]),
            element(100, name: "Розы 101", preview: 10, detail: 11),
            element(100, name: "workflow copy", parent: 100),
            element(101, iblock: 27, to: "2025-05-31 23:59:59"),
            element(102, from: "2025-06-01 12:00:01"),
            element(103, iblock: 5),
            element(104, active: "N", preview: 99),
            property(1, property: 290, element: 100, "17008"),
            property(2, property: 290, element: 101, "71264"),
            property(5, property: 400, element: 100, "13"),
            property(4, property: 400, element: 100, "12"),
            property(6, property: 401, element: 100, "Y"),
            property(7, property: 402, element: 100, "70 см"),
            property(8, property: 403, element: 100, "70-80 см"),
            property(9, property: 999, element: 100, "not needed"),
            row("b_iblock_property", ["ID": 400, "IBLOCK_ID": 2, "CODE": "MORE_PHOTO"]),
            row("b_iblock_property", ["ID": 401, "IBLOCK_ID": 2, "CODE": "IS_READY"]),
            row("b_iblock_property", ["ID": 402, "IBLOCK_ID": 2, "CODE": "WIDTH"]),
            row("b_iblock_property", ["ID": 403, "IBLOCK_ID": 2, "CODE": "HEIGHT"]),
        ]
    }

    @Test func productsFromCatalogTables() {
        let snapshot = Self.build(Self.catalogRows)
        #expect(snapshot.products.map(\.id) == [100, 101, 102, 104])
        #expect(snapshot.skipped["b_iblock_element: workflow copy"] == 1)
        #expect(snapshot.skipped["b_iblock_element: other iblock"] == 1)

        let roses = snapshot.products[0]
        #expect(
            roses
                == CanonicalProduct(
                    id: 100, shopID: 17008, name: "Розы 101", price: Kopecks(495050), enabled: true, type: .vitrina,
                    width: 70, height: nil, description: "<p>текст</p>",
                    image: "https://cvety.kz/upload/iblock/a1b/main.jpg",
                    images: [
                        "https://cvety.kz/upload/iblock/a1b/main.jpg",
                        "https://cvety.kz/upload/iblock/c2d/%D1%84%D0%BE%D1%82%D0%BE%20%D0%B1%D1%83%D0%BA%D0%B5%D1%82%D0%B0%201.jpg",
                        "https://cvety.kz/upload/iblock/e3f/g2.png",
                        "https://cvety.kz/upload/iblock/e3f/g1.png",
                    ],
                    createdAt: "2025-04-24 17:01:07"))

        let offer = snapshot.products[1]
        #expect(offer.shopID == 71264)
        #expect(offer.price == nil)  // only a RUB base price
        #expect(offer.enabled == false)  // ACTIVE_TO in the past
        #expect(offer.type == .catalog)
        #expect(snapshot.products[2].enabled == false)  // ACTIVE_FROM one second in the future
        #expect(snapshot.products[2].price == Kopecks(1_500_000))
        #expect(snapshot.products[3].enabled == false)

        let problems = Set(snapshot.problems.map { "\($0.source)[\($0.key ?? "")].\($0.field ?? ""): \($0.reason)" })
        #expect(
            problems == [
                "b_catalog_price[101].CURRENCY: base price not in KZT",
                "b_iblock_element_property[100].HEIGHT: a range, not a single value",
                "b_file[104].ID: referenced file is missing",
            ])
    }

    /// The products do not depend on the rows' order within a table (a dump in primary-key order, one in
    /// reverse), and a repeated id is the last row read, for elements and files alike: the builder keeps
    /// rows in flat arrays, sorted once when the products are built.
    @Test func rowOrderWithinTablesAndRepeatedIDs() {
        let rows = Self.catalogRows
        let inOrder = Self.build(rows)
        // Each table's rows reversed, the tables in the same order.
        var reversed: [DumpRow] = []
        var start = 0
        for k in rows.indices where k + 1 == rows.count || rows[k + 1].table != rows[k].table {
            reversed += rows[start...k].reversed()
            start = k + 1
        }
        let backwards = Self.build(reversed)
        #expect(backwards.products == inOrder.products)
        #expect(Set(backwards.problems.map(\.description)) == Set(inOrder.problems.map(\.description)))

        // A file and an element read twice: the second row is the one kept.
        var repeated = rows
        let firstElement = repeated.firstIndex { $0.table == "b_iblock_element" } ?? 0
        repeated.insert(
            Self.row("b_file", ["ID": 10, "SUBDIR": "iblock/zzz", "FILE_NAME": "replaced.jpg"]), at: firstElement)
        let firstProperty = repeated.firstIndex { $0.table == "b_iblock_element_property" } ?? 0
        repeated.insert(Self.element(102, name: "Тюльпаны", from: "2025-06-01 12:00:01"), at: firstProperty)
        let twice = Self.build(repeated)
        #expect(twice.products.map(\.id) == [100, 101, 102, 104])
        #expect(twice.products[0].image == "https://cvety.kz/upload/iblock/zzz/replaced.jpg")
        #expect(twice.products[2].name == "Тюльпаны")
        #expect(twice.products[2].price == Kopecks(1_500_000))
    }

    /// The base address of a string's UTF-8 storage (use on strings over 15 bytes: a shorter one is held
    /// inline and lent through a temporary).
    static func storage(_ text: String?) -> UnsafeRawPointer? {
        text?.utf8.withContiguousStorageIfAvailable { unsafe UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    /// With the catalog's products supplied, a Bitrix product's strings equal byte for byte to its twin's
    /// are the twin's (one copy in memory), and the products are the same values as without them; an
    /// NFD spelling in the catalog of an NFC name is never shared (`==` would call them equal).
    @Test func productsShareTheCatalogTwinsStrings() {
        let alone = Self.build(Self.catalogRows)
        let roses = alone.products[0]
        var twin = roses
        // New storage with the same bytes, as a catalog read makes them.
        func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        twin.name = fresh(roses.name)
        twin.description = roses.description.map(fresh)
        twin.createdAt = roses.createdAt.map(fresh)
        twin.images = roses.images.map(fresh)
        twin.images[1] = "https://cvety.kz/upload/other.jpg"
        let nfc = "Букет «Майский» из 11 роз"
        let nfd = nfc.decomposedStringWithCanonicalMapping
        #expect(nfc == nfd && Array(nfc.utf8) != Array(nfd.utf8))
        var other = alone.products[2]
        other.name = nfd

        let builder = BitrixModelBuilder(logger: TestDatabase.quietLogger)
        builder.catalogProducts = { [twin, other] }
        for row in Self.catalogRows { builder.consume(row) }
        builder.consume(Self.element(102, name: nfc, from: "2025-06-01 12:00:01"))
        let shared = builder.finish(completedAt: Self.completedAt)
        var expected = alone.products
        expected[2].name = nfc
        #expect(shared.products == expected)
        let product = shared.products[0]
        #expect(Self.storage(product.description) == Self.storage(twin.description))
        #expect(Self.storage(product.createdAt) == Self.storage(twin.createdAt))
        // The image URLs are one joined string per product (`ProductImageList`): shared only when the
        // whole list is the twin's byte for byte, which this twin's second URL is not.
        #expect(product.images == roses.images && product.images != twin.images)
        #expect(product.image == product.images.first)
        #expect(Array(shared.products[2].name.utf8) == Array(nfc.utf8))
        #expect(Self.storage(shared.products[2].name) != Self.storage(other.name))
    }

    /// A product scope leaves out the products no shop of the run can judge that the catalog lacks, and
    /// only those: the problems are the same (out-of-scope elements are checked all the same), and a
    /// seller mapped to a run's shop is in scope.
    @Test func productScopeLeavesOutOnlyWhatNoRunCanJudge() {
        let all = Self.build(Self.catalogRows)
        func scoped(_ scope: ProductScope) -> BitrixSnapshot {
            let builder = BitrixModelBuilder(logger: TestDatabase.quietLogger)
            builder.productsScope = { scope }
            for row in Self.catalogRows { builder.consume(row) }
            return builder.finish(completedAt: Self.completedAt)
        }
        // 100 is 17008's, 101 is 71264's; 102 and 104 have no seller.
        let home = scoped(ProductScope(catalogIDs: IDSet([102]), shops: [17008]))
        #expect(home.products == all.products.filter { [100, 102].contains($0.id) })
        #expect(home.productsOutOfScope == 2)
        #expect(home.problems.map(\.description) == all.problems.map(\.description))
        let mapped = scoped(ProductScope(catalogIDs: IDSet([]), shops: [17008], shopMap: [71264: 17008]))
        #expect(mapped.products.map(\.id) == [100, 101])
        #expect(mapped.productsOutOfScope == 2)
    }

    /// The catalog reader's pool: a value read again is the string read first (one copy), a canonically
    /// equivalent but different spelling is not, and short strings pass through.
    @Test func textPoolSharesEqualBytesOnly() {
        let pool = TextPool()
        func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        let first = pool.intern(fresh("Высота букета указана примерно."))
        let again = pool.intern(fresh("Высота букета указана примерно."))
        #expect(Self.storage(again) == Self.storage(first))
        let nfc = "Букет «Майский» из 11 роз"
        let keptNFC = pool.intern(fresh(nfc))
        let nfd = pool.intern(nfc.decomposedStringWithCanonicalMapping)
        #expect(Array(nfd.utf8) == Array(nfc.decomposedStringWithCanonicalMapping.utf8))
        #expect(Self.storage(nfd) != Self.storage(keptNFC))
        #expect(pool.intern("Розы 101") == "Розы 101")
    }

    /// The pool looks values up by their bytes: a repeat is the held string (no new one), bytes that are not
    /// UTF-8 come back repaired as `String(decoding:as:)` repairs them, and a column of distinct values
    /// stops the pool after a window (every value still the string of its bytes).
    @Test func textPoolLooksUpBytesAndStopsWhereNothingRepeats() {
        let pool = TextPool()
        func intern(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { pool.intern(bytes: $0) } }
        let description = Array("Высота букета указана примерно.".utf8)
        let first = intern(description)
        #expect(Self.storage(intern(description)) == Self.storage(first))
        let broken: [UInt8] = Array("Букет из роз, 101 штука ".utf8) + [0xFF, 0xC3]
        #expect(intern(broken) == String(decoding: broken, as: UTF8.self))
        #expect(intern(broken) == String(decoding: broken, as: UTF8.self))
        var wrong = 0
        for i in 0..<(TextPool.window * 2) {
            let text = "Букет №\(i) из сборной коллекции"
            if intern(Array(text.utf8)) != text { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(!pool.isSharing, "a window with fewer than 1 in 16 repeats stops the pool")
        #expect(intern(description) == String(decoding: description, as: UTF8.self))

        // Names that repeat keep their pool.
        let names = TextPool()
        for i in 0..<(TextPool.window * 2) {
            let text = "Букет «Майский» №\(i % 100)"
            _ = Array(text.utf8).withUnsafeBytes { names.intern(bytes: $0) }
        }
        #expect(names.isSharing)
    }

    @Test func shopFilterAndPinnedPropertyIDs() {
        var configuration = BitrixConfiguration()
        configuration.shopFilter = 17008
        configuration.galleryProperty.id = 400
        let snapshot = Self.build(Self.catalogRows, configuration: configuration)
        #expect(snapshot.products.map(\.id) == [100])
        #expect(snapshot.products[0].images.count == 4)
    }

    @Test func baseGroupFromCatalogGroupAndDefault() {
        var rows = [
            Self.price(1, product: 1, group: 1, "10.00", "KZT"), Self.price(2, product: 1, group: 3, "20.00", "KZT"),
            Self.element(1),
        ]
        #expect(Self.build(rows).products[0].price == Kopecks(1000))
        rows.append(Self.row("b_catalog_group", ["ID": 3, "BASE": "Y"]))
        #expect(Self.build(rows).products[0].price == Kopecks(2000))
    }

    @Test func ordersWithPropsAndFractionalBasket() {
        let rows: [DumpRow] = [
            Self.row(
                "b_sale_basket",
                [
                    "ID": 2, "ORDER_ID": 500, "PRODUCT_ID": 100, "NAME": "Розы", "PRICE": Decimal(string: "4950.5000"),
                    "QUANTITY": Decimal(string: "1.5000"),
                ]),
            Self.row(
                "b_sale_basket",
                [
                    "ID": 1, "ORDER_ID": 500, "PRODUCT_ID": 101, "NAME": "Открытка",
                    "PRICE": Decimal(string: "500.0000"), "QUANTITY": Decimal(string: "2.0000"),
                ]),
            Self.row(
                "b_sale_basket",
                [
                    "ID": 3, "ORDER_ID": nil, "PRODUCT_ID": 101, "NAME": "cart", "PRICE": Decimal(string: "1.0000"),
                    "QUANTITY": Decimal(string: "1.0000"),
                ]),
            Self.row(
                "b_sale_order",
                [
                    "ID": 500, "LID": "s1", "STATUS_ID": "F", "PRICE": Decimal(string: "9925.7500"),
                    "PRICE_DELIVERY": Decimal(string: "1500.0000"), "CURRENCY": "KZT", "USER_ID": 171532,
                    "XML_ID": "railway-42", "DATE_INSERT": "2025-08-20 10:00:00",
                ]),
            Self.row(
                "b_sale_order",
                [
                    "ID": 501, "LID": "s1", "STATUS_ID": "UN", "PRICE": Decimal(string: "65.0000"),
                    "PRICE_DELIVERY": Decimal(string: "0.0000"), "CURRENCY": "USD", "USER_ID": 1, "XML_ID": "railway-x",
                    "DATE_INSERT": "0000-00-00 00:00:00",
                ]),
            Self.row(
                "b_sale_order",
                [
                    "ID": 502, "LID": "s2", "STATUS_ID": "N", "PRICE": Decimal(string: "1.0000"),
                    "PRICE_DELIVERY": Decimal(string: "0.0000"), "CURRENCY": "KZT", "USER_ID": 1, "XML_ID": nil,
                ]),
            Self.row("b_sale_order_props", ["ID": 7, "CODE": "addressRecipient"]),
            Self.row(
                "b_sale_order_props_value",
                ["ID": 1, "ORDER_ID": 500, "ORDER_PROPS_ID": 20, "CODE": "shopId", "VALUE": "17008"]),
            Self.row(
                "b_sale_order_props_value",
                ["ID": 2, "ORDER_ID": 500, "ORDER_PROPS_ID": 2, "CODE": "phone", "VALUE": "8 (701) 123-45-67"]),
            Self.row(
                "b_sale_order_props_value",
                ["ID": 3, "ORDER_ID": 500, "ORDER_PROPS_ID": 21, "CODE": "nameRecipient", "VALUE": "Айгуль"]),
            Self.row(
                "b_sale_order_props_value",
                ["ID": 4, "ORDER_ID": 500, "ORDER_PROPS_ID": 22, "CODE": "phoneRecipient", "VALUE": "12345"]),
            Self.row(
                "b_sale_order_props_value",
                ["ID": 5, "ORDER_ID": 500, "ORDER_PROPS_ID": 7, "CODE": nil, "VALUE": "улица Достык, 5/2"]),
            Self.row(
                "b_sale_order_props_value",
                ["ID": 6, "ORDER_ID": 500, "ORDER_PROPS_ID": 15, "CODE": "postcardText", "VALUE": "ignored"]),
        ]
        let snapshot = Self.build(rows)
        #expect(snapshot.orders.map(\.bitrixID) == [500, 501])
        #expect(snapshot.skipped["b_sale_order: other site"] == 1)
        #expect(snapshot.skipped["b_sale_basket: cart line without order"] == 1)
        #expect(
            snapshot.orders[0]
                == CanonicalOrder(
                    bitrixID: 500, catalogID: 42, shopID: 17008, bitrixStatus: "F", status: nil,
                    total: Kopecks(992_575),
                    deliveryCost: Kopecks(150_000), currency: "KZT", userID: 171532, customerName: nil,
                    phone: "+77011234567",
                    recipientName: "Айгуль", recipientPhone: nil, deliveryAddress: "улица Достык, 5/2",
                    items: [
                        CanonicalOrderItem(
                            productID: 101, name: "Открытка", price: Kopecks(50_000), quantityTenThousandths: 20_000),
                        CanonicalOrderItem(
                            productID: 100, name: "Розы", price: Kopecks(495_050), quantityTenThousandths: 15_000),
                    ],
                    createdAt: "2025-08-20 10:00:00", subtotal: Kopecks(842_575)))
        #expect(snapshot.orders[1].currency == "USD")
        #expect(snapshot.orders[1].total == Kopecks(6500))
        #expect(snapshot.orders[1].catalogID == nil)
        #expect(snapshot.orders[1].createdAt == nil)
        let problems = snapshot.problems.map { "\($0.source)[\($0.key ?? "")].\($0.field ?? "")" }
        #expect(problems.sorted() == ["b_sale_order[501].XML_ID", "b_sale_order_props_value[500].phoneRecipient"])
    }

    @Test func unreadableRowsAreReported() {
        let rows: [DumpRow] = [
            Self.row(
                "b_catalog_price",
                ["ID": 1, "PRODUCT_ID": 1, "CATALOG_GROUP_ID": 1, "PRICE": "12,50", "CURRENCY": "KZT"]),
            Self.row("b_iblock_element", ["ID": "x", "IBLOCK_ID": 2]),
            Self.row(
                "b_sale_basket",
                ["ID": 9, "ORDER_ID": 1, "PRODUCT_ID": 1, "PRICE": Decimal(string: "1.0000"), "QUANTITY": "1e-05"]),
            Self.row(
                "b_sale_order",
                [
                    "ID": 1, "LID": "s1", "STATUS_ID": "N", "PRICE": Decimal(string: "10.12345"),
                    "PRICE_DELIVERY": Decimal(string: "0.00501"), "CURRENCY": "KZT",
                ]),
        ]
        let snapshot = Self.build(rows)
        let found = snapshot.problems.map { "\($0.source)[\($0.key ?? "")].\($0.field ?? "")" }
        #expect(
            found == [
                "b_catalog_price[1].PRICE", "b_iblock_element[x].ID", "b_sale_basket[9].QUANTITY",
                "b_sale_order[1].PRICE", "b_sale_order[1].PRICE_DELIVERY",
            ])
        #expect(snapshot.problems[0].rawValue == "12,50")
    }

    @Test func usersWithPhoneNormalisation() {
        let rows: [DumpRow] = [
            Self.row(
                "b_user",
                [
                    "ID": 2, "LOGIN": "b", "NAME": "Ерлан", "LAST_NAME": "", "EMAIL": "", "ACTIVE": "N",
                    "PERSONAL_PHONE": "123", "PERSONAL_MOBILE": "+7 (701) 123 45 67",
                ]),
            Self.row(
                "b_user",
                [
                    "ID": 1, "LOGIN": "a", "NAME": "Анна", "LAST_NAME": "Ким", "EMAIL": "a@x.kz", "ACTIVE": "Y",
                    "PERSONAL_PHONE": "", "PERSONAL_MOBILE": nil,
                ]),
        ]
        let snapshot = Self.build(rows)
        #expect(
            snapshot.users == [
                CanonicalUser(id: 1, login: "a", name: "Анна Ким", email: "a@x.kz", phone: nil, active: true),
                CanonicalUser(id: 2, login: "b", name: "Ерлан", email: nil, phone: "+77011234567", active: false),
            ])
        #expect(snapshot.problems.map(\.field) == ["PERSONAL_PHONE"])
    }

    @Test(arguments: [
        ("8 (701) 123-45-67", "+77011234567"),
        ("+7 701 123 45 67", "+77011234567"),
        ("7011234567", "+77011234567"),
        ("77011234567", "+77011234567"),
        ("8-701-123-45-67 доб.", "+77011234567"),
    ])
    func phoneNormalises(_ raw: String, _ expected: String) {
        #expect(PhoneNumber.normalize(raw) == expected)
    }

    @Test(arguments: ["", "12345", "+1 202 555 0100", "9701123456789", "87011234567890", "97011234567"])
    func phoneRejects(_ raw: String) {
        #expect(PhoneNumber.normalize(raw) == nil)
    }

    @Test func fileURLs() {
        #expect(
            BitrixFileURL.url(
                base: "https://cvety.kz/", uploadDirectory: "upload", subdir: "iblock/a1b/", fileName: "a b+c.jpg")
                == "https://cvety.kz/upload/iblock/a1b/a%20b+c.jpg")
        #expect(
            BitrixFileURL.url(base: "https://cvety.kz", uploadDirectory: "upload", subdir: "", fileName: "x.jpg")
                == "https://cvety.kz/upload/x.jpg")
    }
}
