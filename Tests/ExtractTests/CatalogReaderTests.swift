import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Testing

@testable import BackstopExtract

/// The catalog reader against a real PostgreSQL with the upstream schema: values go in through bound
/// parameters and must come back through binary COPY unchanged, field by field.
@Suite(.enabled(if: TestDatabase.isEnabled), .serialized)
struct CatalogReaderTests {
    static let nastyName = "O'Brien \"Розы\"\u{00A0}101 🌹 back\\slash\ttab\nnewline"

    /// Two users, shops 17008 and 8.
    static func seedShops(_ c: PGConnection) throws {
        try c.execute(
            "INSERT INTO \"user\" (id, name, phone) VALUES (1, 'owner', '+77010000001'), (2, 'dev', '+77010000002')")
        try c.execute("INSERT INTO shop (id, owner_id, name) VALUES (17008, 1, 'Cvetykz'), (8, 2, 'Railway')")
    }

    static func insertProduct(
        _ c: PGConnection, id: Int64, shop: Int64, name: String, price: Int64, type: String, description: String?,
        width: Int64?, height: Int64?, enabled: Bool, image: String?, createdAt: String
    ) throws {
        try c.execute(
            """
            INSERT INTO product (id, shop_id, name, price, type, description, width, height, enabled, image, created_at, updated_at)
            VALUES (\(id), \(shop), \(name), \(price), \(type)::producttype, \(description), \(width), \(height), \(enabled), \(image),
            \(createdAt)::timestamp, \(createdAt)::timestamp + interval '1 day')
            """)
    }

    @Test func productsRoundTripWithImagesAndNastyText() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            try Self.insertProduct(
                c, id: 698868, shop: 17008, name: Self.nastyName, price: 495050, type: "VITRINA",
                description: "ℹ️ описание", width: 70, height: nil, enabled: true,
                image: "https://cvety.kz/upload/iblock/a1b/ф ото.jpg", createdAt: "2025-04-24 17:01:07.123456")
            try Self.insertProduct(
                c, id: 13, shop: 17008, name: "", price: 0, type: "FLOWERS", description: nil,
                width: nil, height: nil, enabled: false, image: nil, createdAt: "1999-12-31 23:59:59.5")
            try Self.insertProduct(
                c, id: 5, shop: 8, name: "dev", price: 100, type: "CATALOG", description: nil,
                width: 1, height: 2, enabled: true, image: nil, createdAt: "2025-01-01 00:00:00")
            // Images inserted out of order; one has is_primary NULL; two share an "order" (tie → id).
            for (url, order, primary) in [
                ("c", 2, Bool?.some(false)), ("a", 0, true), ("b2", 1, nil), ("b1", 1, false),
            ] {
                try c.execute(
                    "INSERT INTO productimage (product_id, url, \"order\", is_primary) VALUES (698868, \(url), \(Int64(order)), \(primary))"
                )
            }

            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            let all = try reader.productRecords().collect()
            #expect(all.map(\.product.id) == [5, 13, 698868])

            let nasty = try #require(all.last)
            #expect(
                nasty.product
                    == CanonicalProduct(
                        id: 698868, shopID: 17008, name: Self.nastyName, price: Kopecks(495050), enabled: true,
                        type: .vitrina,
                        width: 70, height: nil, description: "ℹ️ описание",
                        image: "https://cvety.kz/upload/iblock/a1b/ф ото.jpg",
                        images: ["a", "b2", "b1", "c"], createdAt: "2025-04-24 17:01:07",
                        updatedAt: "2025-04-25 17:01:07"))
            #expect(
                nasty.imageRows == [
                    CatalogProductImage(url: "a", order: 0, isPrimary: true),
                    CatalogProductImage(url: "b2", order: 1, isPrimary: false),
                    CatalogProductImage(url: "b1", order: 1, isPrimary: false),
                    CatalogProductImage(url: "c", order: 2, isPrimary: false),
                ])
            #expect(nasty.typeName == "VITRINA")
            #expect(nasty.updatedAt == "2025-04-25 17:01:07")

            let local = all[1]
            #expect(
                local.product
                    == CanonicalProduct(
                        id: 13, shopID: 17008, name: "", price: Kopecks(0), enabled: false, type: .flowers,
                        createdAt: "1999-12-31 23:59:59", updatedAt: "2000-01-01 23:59:59"))
            #expect(local.imageRows.isEmpty)

            // The shop filter is applied server-side; the canonical cursor yields the same products.
            let shop = try reader.products(shopID: 17008).collect()
            #expect(shop == [all[1].product, all[2].product])
            let dev = try reader.products(shopID: 8).collect()
            #expect(dev.map(\.type) == [.catalog])
            #expect(try reader.products(shopID: 4242).collect().isEmpty)
            // The connection is usable after a cursor was read to the end.
            #expect(try c.execute("SELECT 1").rowCount == 1)
        }
    }

    /// The two-stream merge (idle connection) and the aggregated single stream (connection inside a
    /// transaction) agree on every edge of the merge join: products without images at both ends and in
    /// between, ties in "order" (broken by id), images of another shop's product, and orphan images
    /// (no product row; production has no foreign key) below, between and above the product ids.
    @Test func productImageMergeMatchesAggregatedStream() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            try c.execute("ALTER TABLE productimage DROP CONSTRAINT productimage_product_id_fkey")
            for (id, shop) in [(2, 17008), (3, 17008), (5, 8), (7, 17008), (9, 17008), (11, 17008)] as [(Int64, Int64)]
            {
                try Self.insertProduct(
                    c, id: id, shop: shop, name: "p\(id)", price: id * 100, type: "FLOWERS", description: nil,
                    width: nil, height: nil, enabled: true, image: nil, createdAt: "2025-01-01 00:00:00")
            }
            // (product, url, order, primary); ids follow insertion order, so "t2" ties "t1" and wins on id.
            let images: [(Int64, String, Int64, Bool?)] = [
                (1, "orphan-low", 0, nil), (3, "t2", 1, false), (3, "t1", 1, true), (3, "first", 0, nil),
                (4, "orphan-mid", 0, nil), (5, "other-shop", 0, true), (9, "only", 5, false),
                (12, "orphan-high", 0, nil),
            ]
            for (product, url, order, primary) in images {
                try c.execute(
                    "INSERT INTO productimage (product_id, url, \"order\", is_primary) VALUES (\(product), \(url), \(order), \(primary))"
                )
            }
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            let merged = try reader.productRecords().collect()
            #expect(!c.isInTransaction)
            #expect(merged.map(\.product.id) == [2, 3, 5, 7, 9, 11])
            #expect(merged.map(\.product.images) == [[], ["first", "t2", "t1"], ["other-shop"], [], ["only"], []])
            #expect(
                merged[1].imageRows == [
                    CatalogProductImage(url: "first", order: 0, isPrimary: false),
                    CatalogProductImage(url: "t2", order: 1, isPrimary: false),
                    CatalogProductImage(url: "t1", order: 1, isPrimary: true),
                ])
            let shop = try reader.products(shopID: 17008).collect()
            #expect(shop.map(\.id) == [2, 3, 7, 9, 11])
            #expect(shop.map(\.images) == [[], ["first", "t2", "t1"], [], ["only"], []])
            #expect(try reader.products(shopID: 8).collect().map(\.images) == [["other-shop"]])

            // Inside a transaction the reader takes the one-stream shape; same values.
            let (aggregated, aggregatedShop) = try c.transaction { _ in
                (try reader.productRecords().collect(), try reader.products(shopID: 17008).collect())
            }
            #expect(aggregated == merged)
            #expect(aggregatedShop == shop)
        }
    }

    /// Colors, occasions and tags come back as the stored JSON text, for one shop or all; all-NULL rows are
    /// left out.
    @Test func labelsOfAShop() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            try c.execute(
                """
                INSERT INTO product (id, shop_id, name, price, colors, occasions, tags) VALUES \
                (1, 17008, 'a', 1, '["красный", "white"]', NULL, '[]'), \
                (2, 17008, 'b', 1, NULL, NULL, NULL), \
                (3, 8, 'c', 1, NULL, '["8 марта"]', NULL)
                """)
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            let shop = try reader.labels(shopID: 17008)
            #expect(shop == [1: CatalogProductLabels(colors: #"["красный", "white"]"#, occasions: nil, tags: "[]")])
            let all = try reader.labels()
            #expect(all.keys.sorted() == [1, 3])
            #expect(all[3] == CatalogProductLabels(occasions: #"["8 марта"]"#))
        }
    }

    /// A merge cursor dropped part-way ends its transaction and leaves the connection usable.
    @Test func droppedProductCursorReleasesTheConnection() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            try c.execute(
                """
                INSERT INTO product (id, shop_id, name, price) SELECT g, 17008, 'p' || g, g FROM generate_series(1, 5000) g
                """)
            try c.execute(
                "INSERT INTO productimage (product_id, url) SELECT g, 'u' || g FROM generate_series(1, 5000, 2) g")
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            do {
                let cursor = try reader.products()
                #expect(try cursor.next()?.images == ["u1"])
                #expect(try cursor.next()?.images == [])
                #expect(cursor.rowCount == 2)
            }
            #expect(!c.isInTransaction)
            #expect(try c.execute("SELECT count(*) FROM product").int(row: 0, column: 0) == 5000)
            let all = try reader.products().collect()
            #expect(all.count == 5000)
            #expect(all.filter { !$0.images.isEmpty }.count == 2500)
        }
    }

    @Test func ordersWithItemsHistoryAndClients() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            try Self.insertProduct(
                c, id: 1, shop: 17008, name: "p", price: 100, type: "FLOWERS", description: nil,
                width: nil, height: nil, enabled: true, image: nil, createdAt: "2025-01-01 00:00:00")
            try c.execute(
                """
                INSERT INTO "order" (id, shop_id, tracking_id, "orderNumber", "customerName", phone, delivery_address,
                subtotal, delivery_cost, total, status, bitrix_order_id, recipient_name, recipient_phone, delivery_type, created_at)
                VALUES (10, 17008, '123456789', '#12345', \(Self.nastyName), '8 (701) 123-45-67', NULL,
                990000, 150000, 1140000, 'IN_DELIVERY', NULL, 'Айгуль 💐', '+7 701 765 4321', 'express', '2025-08-20 10:00:00'),
                (11, 8, '987654321', '#12346', 'x', 'not a phone', 'ул. "Достык", 5/2',
                0, 0, 0, 'CANCELLED', 122140, NULL, NULL, NULL, '2025-08-21 10:00:00')
                """)
            try c.execute(
                """
                INSERT INTO orderitem (id, order_id, product_id, product_name, product_price, quantity, item_total)
                VALUES (2, 10, 1, 'second', 250000, 1, 250000), (1, 10, 1, \(Self.nastyName), 370000, 2, 740000)
                """)
            try c.execute(
                """
                INSERT INTO orderhistory (order_id, changed_by, field_name, old_value, new_value, changed_at)
                VALUES (10, 'bitrix', 'status', 'new', NULL, '2025-08-20 10:00:00+05'),
                (11, 'admin', 'status', NULL, 'cancelled (Reason: 🙈)', '2025-08-21 00:30:00+05')
                """)
            try c.execute(
                """
                INSERT INTO client (id, phone, "customerName", notes, shop_id, telegram_user_id, created_at)
                VALUES (3, '+77011234567', NULL, \(Self.nastyName), 17008, '42', '2025-02-03 04:05:06'),
                (4, '87011234567', 'Dev', NULL, 8, NULL, '2025-02-03 04:05:06')
                """)

            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            let orders = try reader.orderRecords().collect()
            #expect(orders.count == 2)
            let first = orders[0]
            // updated_at defaults to the server's now(): checked for presence, not value.
            #expect(first.order.updatedAt != nil)
            #expect(
                first.order
                    == CanonicalOrder(
                        bitrixID: nil, catalogID: 10, shopID: 17008, status: .inDelivery, total: Kopecks(1_140_000),
                        deliveryCost: Kopecks(150_000), currency: "KZT", customerName: Self.nastyName,
                        phone: "+77011234567",
                        recipientName: "Айгуль 💐", recipientPhone: "+77017654321", deliveryAddress: nil,
                        items: [
                            CanonicalOrderItem(
                                productID: 1, name: Self.nastyName, price: Kopecks(370_000),
                                quantityTenThousandths: 20_000),
                            CanonicalOrderItem(
                                productID: 1, name: "second", price: Kopecks(250_000), quantityTenThousandths: 10_000),
                        ],
                        createdAt: "2025-08-20 10:00:00", subtotal: Kopecks(990_000), pickup: false,
                        updatedAt: first.order.updatedAt))
            #expect(orders[1].order.deliveryAddress == "ул. \"Достык\", 5/2")
            #expect(first.orderNumber == "#12345")
            #expect(first.trackingID == "123456789")
            #expect(first.statusName == "IN_DELIVERY")
            #expect(first.subtotal == Kopecks(990_000))
            #expect(first.rawPhone == "8 (701) 123-45-67")
            #expect(first.rawRecipientPhone == "+7 701 765 4321")
            #expect(first.deliveryType == "express")
            #expect(first.items.map(\.itemTotal) == [Kopecks(740_000), Kopecks(250_000)])

            let second = orders[1]
            #expect(second.order.bitrixID == 122140)
            #expect(second.order.status == .cancelled)
            #expect(second.order.phone == "not a phone")
            #expect(second.order.deliveryAddress == "ул. \"Достык\", 5/2")
            #expect(second.items.isEmpty)
            #expect(try reader.orders(shopID: 8).collect().map(\.catalogID) == [11])

            let history = try reader.orderHistory().collect()
            #expect(history.map(\.changedAtUTC) == ["2025-08-20 05:00:00", "2025-08-20 19:30:00"])
            #expect(history[0].newValue == nil)
            #expect(history[1].newValue == "cancelled (Reason: 🙈)")
            #expect(try reader.orderHistory(shopID: 17008).collect().map(\.orderID) == [10])

            let clients = try reader.clients().collect()
            #expect(
                clients == [
                    CatalogClient(
                        id: 3, phone: "+77011234567", customerName: nil, notes: Self.nastyName, shopID: 17008,
                        telegramUserID: "42", createdAt: "2025-02-03 04:05:06"),
                    CatalogClient(
                        id: 4, phone: "87011234567", customerName: "Dev", notes: nil, shopID: 8,
                        telegramUserID: nil, createdAt: "2025-02-03 04:05:06"),
                ])
        }
    }

    /// The general entry point decodes any SELECT with the caller's closure; a NULL where `required`
    /// expects a value, or a tuple of the wrong width, fails naming the source, field and tuple.
    @Test func rowsDecodesAnyQueryAndNamesBadFields() throws {
        try TestDatabase.withConnection { c in
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            let select: PGQuery = """
                SELECT g::bigint, g::integer, 'имя ' || g, g % 2 = 0, timestamptz '2000-01-01 00:00:01+00' + g * interval '1 microsecond' \
                FROM generate_series(1, 3) AS s(g) ORDER BY 1
                """
            struct Row: Equatable { var a: Int64; var b: Int32; var name: String; var even: Bool; var micros: Int64 }
            let cursor = try reader.rows(select, source: "series", fields: 5) { row, _ in
                Row(
                    a: try row.required(0, row.int64), b: try row.required(1, row.int32), name: row.string(2) ?? "",
                    even: try row.required(3, row.bool), micros: try row.required(4, row.timestampMicros))
            }
            var expected: [Row] = []
            for g in 1...3 {
                expected.append(
                    Row(
                        a: Int64(g), b: Int32(g), name: "имя \(g)", even: g % 2 == 0, micros: 1_000_000 + Int64(g)))
            }
            #expect(try cursor.collect() == expected)
            #expect(cursor.rowCount == 3)

            let nulls = try reader.rows("SELECT 1::bigint, NULL::bigint", source: "nulls", fields: 2) { row, _ in
                try row.required(1, row.int64)
            }
            let nullError = #expect(throws: ExtractError.self) { try nulls.next() }
            #expect(nullError.map { "\($0)" }?.contains("field 1 of tuple 1") == true)
            #expect(nullError.map { "\($0)" }?.contains("nulls") == true)

            let wide = try reader.rows("SELECT 1, 2, 3", source: "wide", fields: 2) { row, _ in try row.int32(0) }
            let widthError = #expect(throws: ExtractError.self) { try wide.next() }
            #expect(widthError.map { "\($0)" }?.contains("has 3 fields, expected 2") == true)
        }
    }

    @Test func unknownEnumLabelIsReportedNotDropped() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            // An older database still carries a legacy label.
            try c.execute("ALTER TYPE producttype ADD VALUE 'READY'")
            try Self.insertProduct(
                c, id: 7, shop: 17008, name: "legacy", price: 1, type: "READY", description: nil,
                width: nil, height: nil, enabled: true, image: nil, createdAt: "2025-01-01 00:00:00")
            let cursor = try CatalogReader(connection: c, logger: TestDatabase.quietLogger).productRecords()
            let records = try cursor.collect()
            #expect(records.map(\.typeName) == ["READY"])
            #expect(records[0].product.type == nil)
            #expect(
                cursor.problems == [
                    ParseProblem(
                        source: "product", key: "7", field: "type", rawValue: "READY",
                        reason: "enum label unknown to this build")
                ])
        }
    }

    @Test func embeddingsFromRealArray() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            try Self.seedShops(c)
            try Self.insertProduct(
                c, id: 1, shop: 17008, name: "p", price: 100, type: "FLOWERS", description: nil,
                width: nil, height: nil, enabled: true, image: nil, createdAt: "2025-01-01 00:00:00")
            try Self.insertProduct(
                c, id: 2, shop: 8, name: "q", price: 100, type: "FLOWERS", description: nil,
                width: nil, height: nil, enabled: true, image: nil, createdAt: "2025-01-01 00:00:00")
            let vector: [Float] = [0.5, -1.25, 3e-5, Float.leastNormalMagnitude, 1 / 3]
            for product: Int64 in [1, 2, 999] {
                try c.execute(
                    """
                    INSERT INTO product_embeddings (product_id, embedding, source_url, created_at, updated_at)
                    VALUES (\(product), \(vector)::real[], \(product == 1 ? "https://x/ф.jpg" : nil), '2025-01-01', '2025-01-02')
                    """)
            }
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            #expect(try reader.embeddingColumnType() == .realArray)
            let rows = try reader.embeddings().collect()
            #expect(rows.map(\.productID) == [1, 2, 999])
            #expect(
                rows[0]
                    == CatalogEmbedding(
                        id: rows[0].id, productID: 1, vector: vector, embeddingType: "image",
                        modelVersion: "vertex-multimodal-001",
                        sourceURL: "https://x/ф.jpg", createdAt: "2025-01-01 00:00:00",
                        updatedAt: "2025-01-02 00:00:00",
                        rowVersion: rows[0].rowVersion
                    ))
            let xmin = try c.execute("SELECT xmin::text FROM product_embeddings WHERE product_id = 1").string(
                row: 0, column: 0)
            #expect(rows[0].rowVersion.map(String.init) == xmin, "the row version is the row's xmin")
            // Shop filter keeps the shop's embeddings and orphans (no product row, so no shop to test).
            #expect(try reader.embeddings(shopID: 17008).collect().map(\.productID) == [1, 999])
        }
    }

    @Test func embeddingsFromVectorTypeAndDoubleArray() throws {
        try TestDatabase.withConnection { c in
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
            // pgvector is not installed here: a domain named `vector` over text has the same text form.
            try c.execute("DROP TABLE product_embeddings")
            try c.execute("CREATE DOMAIN vector AS text CHECK (VALUE ~ '^\\[.*\\]$')")
            try c.execute(
                """
                CREATE TABLE product_embeddings (id serial PRIMARY KEY, product_id integer NOT NULL, embedding vector NOT NULL,
                embedding_type varchar(20) NOT NULL DEFAULT 'image', model_version varchar(50) NOT NULL DEFAULT 'm',
                source_url text, created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now())
                """)
            try c.execute(
                "INSERT INTO product_embeddings (product_id, embedding) VALUES (1, '[0.5,-1.25,3e-05]'), (2, '[1,oops]')"
            )
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            #expect(try reader.embeddingColumnType() == .vector("vector"))
            let cursor = try reader.embeddings()
            let rows = try cursor.collect()
            #expect(rows.map(\.vector) == [[0.5, -1.25, 3e-5], []])
            #expect(cursor.problems.map(\.key) == ["2"])

            try c.execute("DELETE FROM product_embeddings")
            try c.execute("ALTER TABLE product_embeddings ALTER COLUMN embedding TYPE double precision[] USING NULL")
            try c.execute("INSERT INTO product_embeddings (product_id, embedding) VALUES (3, '{0.25,2}')")
            #expect(try reader.embeddingColumnType() == .castToRealArray("double precision[]"))
            #expect(try reader.embeddings().collect().map(\.vector) == [[0.25, 2]])
        }
    }
}
