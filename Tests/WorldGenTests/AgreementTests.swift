import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import BackstopWorldGen
import Foundation
import Testing

/// The manifest and the data agree: every planted discrepancy is in the data (Bitrix loaded from the world's
/// dump into MariaDB, the catalog loaded with `CatalogLoader` into PostgreSQL), and everything the manifest
/// does not list matches "Bitrix as a perfect webhook would have synced it" (all products and Railway orders
/// are compared, with the systematic rules of world.json applied).
///
/// Runs on the `s` world of scripts/test.d/10-world.sh when it exists, else on a fresh tiny world.
@Suite(.enabled(if: WorldFixture.serversEnabled, "needs BACKSTOP_TEST_MARIADB_SOCKET and BACKSTOP_TEST_PG"))
struct AgreementTests {
    @Test func manifestMatchesData() async throws {
        let socket = try WorldFixture.requireSocket()
        var cleanup: URL?
        let world: URL
        if let s = WorldFixture.sWorld {
            world = s
        } else {
            world = try await WorldFixture.tinyWorld(socket: socket)
            cleanup = world
        }
        defer { if let cleanup { try? FileManager.default.removeItem(at: cleanup) } }
        try await AgreementCheck.withLoadedWorld(world, socket: socket) { loaded in
            let findings = try await loaded.check()
            for entry in findings.unconfirmed {
                Issue.record("planted but not found in the data: \(entry.kind.rawValue) \(entry.key)")
            }
            #expect(
                findings.problems.isEmpty,
                "\(findings.problems.count) unplanted differences, first: \(findings.problems.prefix(5))")
        }
    }

    /// The check is not vacuous: five edits to a loaded copy of a fresh tiny world (an unplanted product's
    /// price, an unplanted Railway order's status and another one's recipient name changed in the catalog, a
    /// planted orphan embedding deleted, and an unplanted enabled product's ACTIVE_TO moved one second before
    /// the dump's snapshot in Bitrix) are reported as exactly those five findings.
    @Test func checkReportsUnplantedDrift() async throws {
        let socket = try WorldFixture.requireSocket()
        let world = try await WorldFixture.tinyWorld(seed: 5, socket: socket)
        defer { try? FileManager.default.removeItem(at: world) }
        try await AgreementCheck.withLoadedWorld(world, socket: socket) { loaded in
            let clean = try await loaded.check()
            try #require(clean.problems.isEmpty && clean.unconfirmed.isEmpty, "the fresh world must agree first")
            let manifest = loaded.manifest
            let mentioned = Set(manifest.map(\.key))
            let bitrix = try await BitrixSide(
                db: loaded.mariadb, database: loaded.database,
                dump: world.appendingPathComponent("bitrix/dump.sql"))
            let catalog = try CatalogSide(loaded.pg)

            // 1. An unplanted, enabled cvety product whose price nobody planted.
            let product = try #require(
                catalog.products.keys.sorted().first { id in
                    guard let p = catalog.products[id], p.enabled, p.shop == WorldIDs.cvetyShop else { return false }
                    return bitrix.products[id]?.seller == WorldIDs.cvetyShop && !mentioned.contains(String(id))
                })
            try loaded.pg.execute(PGQuery(unsafeSQL: "UPDATE product SET price = price + 100 WHERE id = \(product)"))

            // 2. A planted orphan embedding, deleted: the manifest now claims something the data lacks.
            let orphan = try #require(manifest.first { $0.kind == .embeddingOrphan })
            try loaded.pg.execute(PGQuery(unsafeSQL: "DELETE FROM product_embeddings WHERE product_id = \(orphan.key)"))

            // 3. An unplanted Railway order's status (the Bitrix id is the manifest key of order entries).
            let order = try #require(
                bitrix.orders.values.sorted { $0.id < $1.id }.first { b in
                    !mentioned.contains(String(b.id)) && catalog.orders[b.railway] != nil
                })
            let status = catalog.orders[order.railway]?.status == "PAID" ? "NEW" : "PAID"
            try loaded.pg.execute(
                PGQuery(unsafeSQL: #"UPDATE "order" SET status = '\#(status)' WHERE id = \#(order.railway)"#))

            // 4. Another unplanted Railway order's recipient name.
            let other = try #require(
                bitrix.orders.values.sorted { $0.id < $1.id }.first { b in
                    b.id != order.id && !mentioned.contains(String(b.id)) && catalog.orders[b.railway] != nil
                })
            try loaded.pg.execute(
                PGQuery(
                    unsafeSQL:
                        #"UPDATE "order" SET recipient_name = recipient_name || ' Jr' WHERE id = \#(other.railway)"#))

            // 5. An unplanted, enabled cvety product whose Bitrix window closed one second before the snapshot.
            let expired = try #require(
                catalog.products.keys.sorted().first { id in
                    guard id != product, let p = catalog.products[id], p.enabled, p.shop == WorldIDs.cvetyShop,
                        let b = bitrix.products[id], b.seller == WorldIDs.cvetyShop, b.activeTo == nil
                    else { return false }
                    return !mentioned.contains(String(id))
                })
            try await loaded.mariadb.execute(
                """
                UPDATE b_iblock_element SET ACTIVE_TO = TIMESTAMP('\(bitrix.snapshot)') - INTERVAL 1 SECOND
                WHERE ID = \(expired)
                """, database: loaded.database)

            let findings = try await loaded.check()
            #expect(findings.unconfirmed == [orphan])
            #expect(findings.problems.count == 4, "\(findings.problems)")
            #expect(
                findings.problems.contains { $0.hasPrefix("order \(other.id) recipient_name ") },
                "\(findings.problems)")
            #expect(
                findings.problems.contains { $0.hasPrefix("product \(expired) enabled true vs false") },
                "\(findings.problems)")
            #expect(findings.problems.contains { $0.hasPrefix("product \(product) price ") }, "\(findings.problems)")
            #expect(
                findings.problems.contains { $0.hasPrefix("order \(order.id) status \(status) vs ") },
                "\(findings.problems)")
        }
    }
}

/// The agreement check as a reusable function: a world loaded into scratch databases (Bitrix from the
/// world's dump into MariaDB, the catalog with `CatalogLoader` into PostgreSQL), compared with its manifest.
struct AgreementCheck {
    /// What a check found.
    struct Findings {
        /// Planted entries the data does not show.
        var unconfirmed: [ManifestEntry]
        /// Differences the manifest does not explain.
        var problems: [String]
    }

    let world: URL
    let manifest: [ManifestEntry]
    let mariadb: MariaDB
    let database: String
    let pg: PGConnection

    /// Loads `world` into a MariaDB and a PostgreSQL scratch database, runs `body`, drops both.
    static func withLoadedWorld(_ world: URL, socket: String, _ body: (AgreementCheck) async throws -> Void)
        async throws
    {
        let manifest = try WorldFixture.manifest(world)
        let db = MariaDB(socket: socket)
        let name = try await db.createScratchDatabase(prefix: "wgt_agree")
        do {
            try await loadDump(world.appendingPathComponent("bitrix/dump.sql"), into: name, socket: socket)
            try await TestDatabase.withConnection(prefix: "wgt") { pg in
                try CatalogLoader.load(
                    world: world, schema: RepoPaths.catalogSchema, on: pg,
                    logger: TestDatabase.quietLogger)
                try await body(AgreementCheck(world: world, manifest: manifest, mariadb: db, database: name, pg: pg))
            }
        } catch {
            await db.drop(database: name)
            throw error
        }
        await db.drop(database: name)
    }

    /// Reads both sides as they are now and compares them with the manifest.
    func check() async throws -> Findings {
        let bitrix = try await BitrixSide(
            db: mariadb, database: database, dump: world.appendingPathComponent("bitrix/dump.sql"))
        let catalog = try CatalogSide(pg)
        var checker = Checker(manifest: manifest, bitrix: bitrix, catalog: catalog)
        // The world's own sellers (tiny and s: 17008 and the three named migrated ones; m, l: its fleet).
        let summary = try JSONDecoder().decode(
            WorldSummary.self, from: Data(contentsOf: world.appendingPathComponent("world.json")))
        checker.sellers = Set(SellerPlan(scale: summary.scale, seed: summary.seed).catalogSellers)
        checker.checkProducts()
        checker.checkEmbeddings()
        checker.checkOrders()
        try checker.checkSequence(pg)
        checker.checkImages(
            specs: try String(
                contentsOf: world.appendingPathComponent("images/specs.jsonl"),
                encoding: .utf8))
        return Findings(unconfirmed: manifest.filter { !checker.confirmed.contains($0) }, problems: checker.problems)
    }

    private static func loadDump(_ dump: URL, into database: String, socket: String) async throws {
        try await Executable.output(
            of: "/usr/bin/env", ["mariadb", "--no-defaults", "-S", socket, "-uroot", database],
            input: try Data(contentsOf: dump))
    }
}

/// Ground values from the Bitrix tables.
struct BitrixSide {
    struct Product {
        var active: Bool; var activeFrom: String?; var activeTo: String?; var name: String
        var priceKopecks: Int; var vitrina: Bool; var width: Int?; var height: Int?; var images: [String];
        var seller: Int
        /// ACTIVE with ACTIVE_FROM/ACTIVE_TO at `snapshot` (`YYYY-MM-DD HH:MM:SS`), bounds inclusive.
        func effective(at snapshot: String) -> Bool {
            active && (activeFrom.map { $0 <= snapshot } ?? true) && (activeTo.map { $0 >= snapshot } ?? true)
        }
    }
    struct Line { var quantity: Int; var priceKopecks: Int; var name: String }
    struct Order {
        var id: Int; var railway: Int; var status: String; var userID: Int; var priceKopecks: Int
        var deliveryKopecks: Int; var currency: String; var props: [String: String]; var lines: [Int: Line]
    }
    var products: [Int: Product] = [:]  // every catalog element (all sellers)
    var elements: Set<Int> = []  // every b_iblock_element id
    var orders: [Int: Order] = [:]  // Railway orders by Bitrix id
    var users: Set<Int> = []
    var files: [String] = []
    /// The dump's `-- Dump completed on` time, zero-padded (`YYYY-MM-DD HH:MM:SS`).
    var snapshot: String

    init(db: MariaDB, database: String, dump: URL) async throws {
        snapshot = try Self.footerTime(dump)
        func rows(_ sql: String) async throws -> [[String]] {
            try await db.execute(sql, database: database).split(separator: "\n").map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
        }
        func int(_ s: String) throws -> Int { try #require(Int(s), "not an integer: \(s)") }
        func unhex(_ s: String) throws -> String {
            var bytes = [UInt8]()
            var i = s.startIndex
            while i < s.endIndex {
                let j = s.index(i, offsetBy: 2)
                bytes.append(try #require(UInt8(s[i..<j], radix: 16), "not hex: \(s)"))
                i = j
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        func nullable(_ s: String) -> String? { s == "NULL" ? nil : s }
        let props = try await rows(
            """
            SELECT v.IBLOCK_ELEMENT_ID, v.IBLOCK_PROPERTY_ID, v.VALUE,
                   IFNULL(CONCAT('https://cvety.kz/upload/', f.SUBDIR, '/', f.FILE_NAME), '')
            FROM b_iblock_element_property v LEFT JOIN b_file f ON v.IBLOCK_PROPERTY_ID = 296 AND f.ID = v.VALUE
            WHERE v.IBLOCK_PROPERTY_ID IN (290, 291, 292, 293, 294, 295, 296) ORDER BY v.ID
            """)
        var seller: [Int: Int] = [:], ready: Set<Int> = [], w: [Int: Int] = [:], h: [Int: Int] = [:]
        var cw: [Int: Int] = [:], ch: [Int: Int] = [:], gallery: [Int: [String]] = [:]
        for r in props {
            let id = try int(r[0])
            switch r[1] {
            case "290": seller[id] = Int(r[2])
            case "291": ready.insert(id)
            case "292": w[id] = Int(r[2])
            case "293": h[id] = Int(r[2])
            case "294": cw[id] = Int(r[2].replacingOccurrences(of: " см", with: ""))
            case "295": ch[id] = Int(r[2].replacingOccurrences(of: " см", with: ""))
            default: gallery[id, default: []].append(r[3])
            }
        }
        for r in try await rows(
            """
            SELECT e.ID, e.ACTIVE, HEX(e.NAME), ROUND(p.PRICE * 100), CONCAT('https://cvety.kz/upload/', f.SUBDIR, '/', f.FILE_NAME),
                   IFNULL(DATE_FORMAT(e.ACTIVE_FROM, '%Y-%m-%d %H:%i:%s'), 'NULL'),
                   IFNULL(DATE_FORMAT(e.ACTIVE_TO, '%Y-%m-%d %H:%i:%s'), 'NULL')
            FROM b_iblock_element e JOIN b_catalog_price p ON p.PRODUCT_ID = e.ID AND p.CATALOG_GROUP_ID = 1
            JOIN b_file f ON f.ID = e.PREVIEW_PICTURE
            WHERE e.IBLOCK_ID IN (2, 27) AND e.WF_PARENT_ELEMENT_ID IS NULL
            """)
        {
            let id = try int(r[0])
            let vitrina = ready.contains(id)
            products[id] = Product(
                active: r[1] == "Y", activeFrom: nullable(r[5]), activeTo: nullable(r[6]),
                name: try unhex(r[2]), priceKopecks: try int(r[3]), vitrina: vitrina,
                width: vitrina ? w[id] : cw[id], height: vitrina ? h[id] : ch[id],
                images: [r[4]] + gallery[id, default: []], seller: seller[id] ?? 0)
        }
        elements = Set(try await rows("SELECT ID FROM b_iblock_element").map { try int($0[0]) })
        users = Set(try await rows("SELECT ID FROM b_user").map { try int($0[0]) })
        var orderProps: [Int: [String: String]] = [:]
        for r in try await rows(
            """
            SELECT v.ORDER_ID, v.CODE, HEX(v.VALUE) FROM b_sale_order_props_value v JOIN b_sale_order o ON o.ID = v.ORDER_ID
            WHERE o.XML_ID LIKE 'railway-%'
            """)
        {
            orderProps[try int(r[0]), default: [:]][r[1]] = try unhex(r[2])
        }
        for r in try await rows(
            """
            SELECT ID, SUBSTRING(XML_ID, 9), STATUS_ID, USER_ID, ROUND(PRICE * 100), ROUND(PRICE_DELIVERY * 100), CURRENCY
            FROM b_sale_order WHERE XML_ID LIKE 'railway-%'
            """)
        {
            let id = try int(r[0])
            orders[id] = Order(
                id: id, railway: try int(r[1]), status: r[2], userID: try int(r[3]), priceKopecks: try int(r[4]),
                deliveryKopecks: try int(r[5]), currency: r[6], props: orderProps[id] ?? [:], lines: [:])
        }
        for r in try await rows(
            """
            SELECT b.ORDER_ID, b.PRODUCT_ID, ROUND(b.QUANTITY), ROUND(b.PRICE * 100), HEX(b.NAME)
            FROM b_sale_basket b JOIN b_sale_order o ON o.ID = b.ORDER_ID WHERE o.XML_ID LIKE 'railway-%'
            """)
        {
            orders[try int(r[0])]?.lines[try int(r[1])] = Line(
                quantity: try int(r[2]), priceKopecks: try int(r[3]), name: try unhex(r[4]))
        }
        files = try await rows("SELECT CONCAT('upload/', SUBDIR, '/', FILE_NAME) FROM b_file").map { $0[0] }
    }

    /// The `-- Dump completed on` time of `dump`, zero-padded (mariadb-dump pads the hour with a space).
    static func footerTime(_ dump: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: dump)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size > 400 ? size - 400 : 0)
        let tail = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        guard let line = tail.split(separator: "\n").last(where: { $0.hasPrefix("-- Dump completed on ") }) else {
            throw WorldGenError(.invalid, "\(dump.path) has no `-- Dump completed on` footer")
        }
        let parts = line.dropFirst("-- Dump completed on ".count).split(separator: " ")
        guard parts.count == 2 else { throw WorldGenError(.invalid, "unreadable footer: \(line)") }
        let time = parts[1].count == 7 ? "0" + parts[1] : String(parts[1])
        return "\(parts[0]) \(time)"
    }
}

/// The catalog as loaded into PostgreSQL.
struct CatalogSide {
    struct Product {
        var shop: Int; var name: String; var price: Int; var enabled: Bool; var width: Int?; var height: Int?
        var image: String?; var type: String; var images: [String]
    }
    struct Item { var quantity: Int; var price: Int; var name: String; var total: Int }
    struct Order {
        var id: Int; var shop: Int; var link: Int?; var status: String; var phone: String; var subtotal: Int
        var deliveryCost: Int; var total: Int; var customerName: String; var recipientName: String?
        var recipientPhone: String?; var address: String?; var deliveryDate: String?; var deliveryType: String?
        var items: [Int: Item]
    }
    struct Embedding { var productID: Int; var model: String; var source: String?; var dims: Int; var norm: Double }
    var products: [Int: Product] = [:]
    var orders: [Int: Order] = [:]
    var embeddings: [Embedding] = []
    var productSequence = 0

    init(_ pg: PGConnection) throws {
        func text(_ cell: String?) throws -> String { try #require(cell, "unexpected NULL") }
        func int(_ cell: String?) throws -> Int {
            try #require(cell.flatMap { Int($0) }, "not an integer: \(cell ?? "NULL")")
        }
        var images: [Int: [String]] = [:]
        for r in try pg.execute(#"SELECT product_id, url FROM productimage ORDER BY product_id, "order", id"#).rows {
            images[try int(r[0]), default: []].append(try text(r[1]))
        }
        for r in try pg.execute(
            "SELECT id, shop_id, name, price, enabled, width, height, image, type::text FROM product"
        ).rows {
            let id = try int(r[0])
            products[id] = Product(
                shop: try int(r[1]), name: try text(r[2]), price: try int(r[3]), enabled: r[4] == "t",
                width: r[5].flatMap { Int($0) }, height: r[6].flatMap { Int($0) }, image: r[7],
                type: try text(r[8]), images: images[id] ?? [])
        }
        for r in try pg.execute(
            #"""
            SELECT id, bitrix_order_id, status::text, phone, subtotal, delivery_cost, total, "customerName", recipient_name,
                   recipient_phone, coalesce(delivery_address, pickup_address), delivery_date::date::text, delivery_type,
                   shop_id
            FROM "order"
            """#
        ).rows {
            let id = try int(r[0])
            orders[id] = Order(
                id: id, shop: try int(r[13]), link: r[1].flatMap { Int($0) }, status: try text(r[2]),
                phone: try text(r[3]),
                subtotal: try int(r[4]), deliveryCost: try int(r[5]), total: try int(r[6]),
                customerName: try text(r[7]), recipientName: r[8],
                recipientPhone: r[9], address: r[10], deliveryDate: r[11], deliveryType: r[12], items: [:])
        }
        for r in try pg.execute(
            "SELECT order_id, product_id, quantity, product_price, product_name, item_total FROM orderitem"
        ).rows {
            orders[try int(r[0])]?.items[try int(r[1])] = Item(
                quantity: try int(r[2]), price: try int(r[3]), name: try text(r[4]), total: try int(r[5]))
        }
        for r in try pg.execute(
            """
            SELECT product_id, model_version, source_url, array_length(embedding, 1),
                   sqrt((SELECT sum(x * x) FROM unnest(embedding) x)) FROM product_embeddings
            """
        ).rows {
            embeddings.append(
                Embedding(
                    productID: try int(r[0]), model: try text(r[1]), source: r[2], dims: try int(r[3]),
                    norm: try #require(r[4].flatMap { Double($0) }, "not a number: \(r[4] ?? "NULL")")))
        }
    }
}

/// Compares both sides, consuming manifest entries as it explains differences.
struct Checker {
    let bitrix: BitrixSide
    let catalog: CatalogSide
    var byKey: [String: [ManifestEntry]] = [:]
    var confirmed: Set<ManifestEntry> = []
    var problems: [String] = []
    /// The sellers with a catalog shop, whose products the catalog must hold.
    var sellers = Set(WorldIDs.catalogSellers)

    init(manifest: [ManifestEntry], bitrix: BitrixSide, catalog: CatalogSide) {
        self.bitrix = bitrix
        self.catalog = catalog
        for entry in manifest { byKey["\(entry.kind.rawValue) \(entry.key)", default: []].append(entry) }
    }

    /// The entry of `kind` for `key` (and `field`, and `item`), if planted.
    func planted(_ kind: DiscrepancyKind, _ key: Int, field: String? = nil, item: Int? = nil) -> ManifestEntry? {
        byKey["\(kind.rawValue) \(key)"]?.first {
            (field == nil || $0.field == field) && (item == nil || $0.item == item.map { String($0) })
        }
    }

    mutating func confirm(_ entry: ManifestEntry?, _ holds: Bool, _ what: String) {
        guard let entry else { return }
        if holds { confirmed.insert(entry) } else { problems.append("manifest says \(what), data disagrees") }
    }

    mutating func expect(_ holds: Bool, _ what: @autoclosure () -> String) {
        if !holds { problems.append(what()) }
    }

    /// One compared value: a planted entry must see the two sides differ, anything else must see them equal.
    mutating func compare<T: Equatable>(
        _ kind: DiscrepancyKind, _ key: Int, field: String, item: Int? = nil,
        _ bitrixValue: T, _ catalogValue: T
    ) {
        let what =
            "\(kind == .orderItemField || kind == .orderField ? "order" : "product") \(key) \(field)"
            + (item.map { " item \($0)" } ?? "")
        if let e = planted(kind, key, field: field, item: item) {
            confirm(e, bitrixValue != catalogValue, what)
        } else {
            expect(bitrixValue == catalogValue, "\(what) \(catalogValue) vs \(bitrixValue)")
        }
    }

    static func normalisedPhone(_ raw: String) -> String {
        var digits = raw.filter(\.isNumber)
        if digits.count == 11, digits.hasPrefix("8") { digits = "7" + digits.dropFirst() }
        if digits.count == 10 { digits = "7" + digits }
        return "+" + digits
    }

    /// NFC, whitespace runs collapsed to one space, trimmed; case kept.
    static func normalisedText(_ raw: String?) -> String {
        (raw ?? "").precomposedStringWithCanonicalMapping
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    mutating func checkProducts() {
        let snapshot = bitrix.snapshot
        for (id, b) in bitrix.products where sellers.contains(b.seller) {
            let c = catalog.products[id]
            let active = b.effective(at: snapshot)
            if let missing = planted(.productMissing, id) {
                confirm(missing, c == nil && active, "product \(id) missing")
                continue
            }
            guard let c else {
                expect(!active, "active product \(id) absent from the catalog")
                continue
            }
            if let e = planted(.productIDCollision, id) {
                confirm(
                    e, b.name != c.name && c.shop == WorldIDs.railwayShop && e.shop == b.seller,
                    "product \(id) id collision")
                expect(byKey.keys.filter { $0.hasSuffix(" \(id)") }.count == 1, "id collision \(id) has other entries")
                continue
            }
            compare(.productField, id, field: "enabled", active, c.enabled)
            compare(.productField, id, field: "name", b.name, c.name)
            compare(.productField, id, field: "price", b.priceKopecks, c.price)
            if let e = planted(.productShop, id) {
                confirm(e, c.shop == WorldIDs.railwayShop && e.shop == b.seller, "product \(id) shop")
            } else {
                expect(c.shop == b.seller, "product \(id) of seller \(b.seller) in shop \(c.shop)")
            }
            // Systematic rules: type, and vitrina dimensions never read.
            expect(c.type == "FLOWERS", "product \(id) type \(c.type)")
            if b.vitrina {
                expect(c.width == nil && c.height == nil, "vitrina product \(id) has catalog dimensions")
            } else {
                compare(.productField, id, field: "width", b.width, c.width)
                compare(.productField, id, field: "height", b.height, c.height)
            }
            compare(.productField, id, field: "image", b.images.first, c.image)
            if let e = planted(.productImagesMissing, id) {
                confirm(e, c.images.isEmpty && !b.images.isEmpty, "product \(id) images missing")
            } else {
                compare(.productField, id, field: "images", b.images, c.images)
            }
        }
        for (id, c) in catalog.products {
            if let b = bitrix.products[id], sellers.contains(b.seller) { continue }
            if let e = planted(.productOrphan, id) {
                confirm(e, !bitrix.elements.contains(id) && c.enabled && e.shop == c.shop, "product \(id) orphan")
            } else if id < WorldIDs.firstElement {
                expect(c.shop == WorldIDs.railwayShop, "local product \(id) not in shop 8")
            } else {
                expect(bitrix.products[id] == nil && !c.enabled, "catalog product \(id) unexplained")
            }
        }
    }

    mutating func checkEmbeddings() {
        var seen: [Int: Int] = [:]
        for e in catalog.embeddings {
            seen[e.productID, default: 0] += 1
            expect(e.dims == 512 && abs(e.norm - 1) < 1e-3, "embedding \(e.productID) not a unit 512-d vector")
            guard let p = catalog.products[e.productID], p.enabled else {
                confirm(planted(.embeddingOrphan, e.productID), true, "embedding orphan")
                expect(planted(.embeddingOrphan, e.productID) != nil, "unplanted orphan embedding \(e.productID)")
                continue
            }
            if let s = planted(.embeddingStale, e.productID) {
                confirm(s, s.field == "model_version" ? e.model == s.catalog : e.source == s.catalog, "embedding stale")
            } else {
                expect(e.model == WorldIDs.modelVersion && e.source == p.image, "embedding \(e.productID) stale")
            }
        }
        for (id, p) in catalog.products where p.enabled && p.image != nil {
            if let m = planted(.embeddingMissing, id) {
                confirm(m, seen[id] == nil, "embedding missing")
            } else {
                expect(seen[id] == 1, "product \(id) has \(seen[id] ?? 0) embeddings")
            }
        }
    }

    mutating func checkOrders() {
        let status = [
            "N": "NEW", "PD": "PAID", "AP": "ACCEPTED", "CO": "ASSEMBLED", "DE": "IN_DELIVERY",
            "F": "DELIVERED", "RF": "CANCELLED", "UN": "CANCELLED",
        ]
        var linked: [Int: [Int]] = [:]
        for c in catalog.orders.values { if let link = c.link { linked[link, default: []].append(c.id) } }
        for c in catalog.orders.values {
            // World invariants of the catalog's own money.
            expect(
                c.subtotal == c.items.values.reduce(0) { $0 + $1.price * $1.quantity },
                "catalog order \(c.id) subtotal is not the sum of its items")
            expect(c.total == c.subtotal + c.deliveryCost, "catalog order \(c.id) total is not subtotal + delivery")
            expect(c.items.values.allSatisfy { $0.total == $0.price * $0.quantity }, "catalog order \(c.id) item_total")
        }
        for (id, b) in bitrix.orders {
            if !bitrix.users.contains(b.userID) {
                confirm(planted(.orderDanglingCustomer, id), true, "dangling customer")
                expect(planted(.orderDanglingCustomer, id) != nil, "order \(id) has an unplanted dangling USER_ID")
            }
            // Every planted entry of the order sits in the shop its `shopId` property names.
            for entry in byKey.values.joined() where entry.entity == "order" && entry.key == String(id) {
                expect(String(entry.shop) == b.props["shopId"], "order \(id) entry in shop \(entry.shop)")
            }
            guard let c = catalog.orders[b.railway] else {
                confirm(planted(.orderMissing, id), true, "order missing")
                expect(planted(.orderMissing, id) != nil, "Railway order \(id) absent from the catalog")
                continue
            }
            expect(String(c.shop) == b.props["shopId"], "order \(id) of shop \(b.props["shopId"] ?? "-") in \(c.shop)")
            if let e = planted(.orderLinkMissing, id) {
                confirm(e, c.link == nil, "link missing")
            } else {
                expect(c.link == id, "order \(id) link \(String(describing: c.link))")
            }
            if let e = planted(.orderLinkDuplicate, id) {
                let copies = linked[id, default: []].compactMap { catalog.orders[$0] }
                confirm(
                    e,
                    copies.count == 2 && copies.allSatisfy { $0.items.count == c.items.count && $0.total == c.total },
                    "link duplicate")
            } else {
                expect(linked[id, default: []].count <= 1, "order \(id) linked twice")
            }
            if let mapped = status[b.status] {
                if let e = planted(.orderStatus, id) {
                    confirm(e, c.status == e.catalog && c.status != mapped, "status")
                } else {
                    expect(c.status == mapped, "order \(id) status \(c.status) vs \(b.status)")
                }
            } else {
                confirm(planted(.orderStatusUnmapped, id), true, "unmapped")
                expect(planted(.orderStatusUnmapped, id) != nil, "order \(id) has unplanted unmapped \(b.status)")
            }
            // Money.
            let subtotal = b.lines.values.reduce(0) { $0 + $1.priceKopecks * $1.quantity }
            compare(.orderField, id, field: "subtotal", subtotal, c.subtotal)
            compare(.orderField, id, field: "total", b.priceKopecks, c.total)
            compare(.orderField, id, field: "delivery_cost", b.deliveryKopecks, c.deliveryCost)
            compare(.orderField, id, field: "currency", b.currency, "KZT")
            // Customer and recipient.
            compare(.orderField, id, field: "phone", Self.normalisedPhone(b.props["phone"] ?? ""), c.phone)
            compare(
                .orderField, id, field: "customer_name", Self.normalisedText(b.props["name"]),
                Self.normalisedText(c.customerName))
            compare(
                .orderField, id, field: "recipient_name", Self.normalisedText(b.props["nameRecipient"]),
                Self.normalisedText(c.recipientName))
            compare(
                .orderField, id, field: "recipient_phone", Self.normalisedPhone(b.props["phoneRecipient"] ?? ""),
                c.recipientPhone.map(Self.normalisedPhone) ?? "")
            compare(
                .orderField, id, field: "address", Self.normalisedText(b.props["addressRecipient"]),
                Self.normalisedText(c.address))
            let dmy = (b.props["data"] ?? "").split(separator: ".").reversed().joined(separator: "-")
            compare(.orderField, id, field: "delivery_date", dmy, c.deliveryDate ?? "")
            compare(.orderField, id, field: "pickup", b.props["iWillGet"] == "Y", c.deliveryType == "pickup")
            // Lines.
            for item in Set(b.lines.keys).union(c.items.keys).sorted() {
                let dangling = !bitrix.elements.contains(item)
                if dangling {
                    confirm(
                        planted(.orderDanglingProduct, id, item: item),
                        b.lines[item] != nil
                            && catalog.products[item] == nil, "dangling product")
                    expect(
                        planted(.orderDanglingProduct, id, item: item) != nil,
                        "order \(id) line \(item) dangles unplanted")
                }
                switch (b.lines[item], c.items[item]) {
                case let (l?, i?):
                    compare(.orderItemField, id, field: "quantity", item: item, l.quantity, i.quantity)
                    compare(.orderItemField, id, field: "price", item: item, l.priceKopecks, i.price)
                    compare(
                        .orderItemField, id, field: "name", item: item, Self.normalisedText(l.name),
                        Self.normalisedText(i.name))
                case (_?, nil):
                    confirm(planted(.orderItemMissing, id, item: item), true, "item missing")
                    expect(planted(.orderItemMissing, id, item: item) != nil, "order \(id) lacks item \(item)")
                case (nil, _?):
                    confirm(planted(.orderItemExtra, id, item: item), true, "item extra")
                    expect(planted(.orderItemExtra, id, item: item) != nil, "order \(id) has extra item \(item)")
                case (nil, nil):
                    break
                }
            }
        }
        for c in catalog.orders.values {
            guard let link = c.link else { continue }
            if bitrix.orders[link] == nil {
                confirm(planted(.orderOrphan, link), planted(.orderOrphan, link)?.shop == c.shop, "orphan order")
                expect(planted(.orderOrphan, link) != nil, "catalog order \(c.id) links to absent Bitrix \(link)")
            }
        }
    }

    mutating func checkSequence(_ pg: PGConnection) throws {
        let value = try pg.execute("SELECT last_value FROM product_id_seq").int(row: 0, column: 0)
        if let e = byKey["sequence.collision_risk product_id_seq"]?.first {
            confirm(e, String(value) == e.catalog && value > WorldIDs.firstElement, "sequence")
        }
    }

    mutating func checkImages(specs: String) {
        var paths: [String: String] = [:]
        for line in specs.split(separator: "\n") {
            guard let spec = try? JSONDecoder().decode(ImageSpec.self, from: Data(line.utf8)) else { continue }
            paths[spec.path] = spec.variant == .corrupt ? "corrupt" : "ok"
        }
        let unreachable = byKey.values.flatMap { $0 }.filter { $0.kind == .imageUnreachable }
        var explained: Set<String> = []
        for e in unreachable {
            let path = String((e.bitrix ?? "").dropFirst(WorldIDs.imageHost.count))
            explained.insert(path)
            confirm(e, e.cause == "missing_file" ? paths[path] == nil : paths[path] == "corrupt", "image \(e.key)")
        }
        for file in bitrix.files where !explained.contains(file) {
            expect(paths[file] == "ok", "b_file \(file) has no good image spec")
        }
        for e in byKey.values.flatMap({ $0 }) where e.kind == .imageDuplicate {
            confirm(e, paths[e.catalog ?? ""] == "ok", "duplicate image")
        }
    }
}
