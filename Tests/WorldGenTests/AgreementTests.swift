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
    @Test func manifestMatchesData() throws {
        let socket = try WorldFixture.requireSocket()
        var cleanup: URL?
        let world: URL
        if let s = WorldFixture.sWorld {
            world = s
        } else {
            world = try WorldFixture.tinyWorld(socket: socket)
            cleanup = world
        }
        defer { if let cleanup { try? FileManager.default.removeItem(at: cleanup) } }
        try AgreementCheck.withLoadedWorld(world, socket: socket) { loaded in
            let findings = try loaded.check()
            for entry in findings.unconfirmed {
                Issue.record("planted but not found in the data: \(entry.kind.rawValue) \(entry.key)")
            }
            #expect(findings.problems.isEmpty,
                    "\(findings.problems.count) unplanted differences, first: \(findings.problems.prefix(5))")
        }
    }

    /// The check is not vacuous: three edits to a loaded copy of a fresh tiny world (an unplanted
    /// product's price and an unplanted Railway order's status changed in the catalog, a planted orphan
    /// embedding deleted) are reported as exactly those three findings.
    @Test func checkReportsUnplantedDrift() throws {
        let socket = try WorldFixture.requireSocket()
        let world = try WorldFixture.tinyWorld(seed: 5, socket: socket)
        defer { try? FileManager.default.removeItem(at: world) }
        try AgreementCheck.withLoadedWorld(world, socket: socket) { loaded in
            let clean = try loaded.check()
            try #require(clean.problems.isEmpty && clean.unconfirmed.isEmpty, "the fresh world must agree first")
            let manifest = loaded.manifest
            let mentioned = Set(manifest.map(\.key))
            let bitrix = try BitrixSide(db: loaded.mariadb, database: loaded.database)
            let catalog = try CatalogSide(loaded.pg)

            // 1. An unplanted, enabled cvety product whose price nobody planted.
            let product = try #require(catalog.products.keys.sorted().first { id in
                guard let p = catalog.products[id], p.enabled, p.shop == WorldIDs.cvetyShop else { return false }
                return bitrix.products[id]?.seller == WorldIDs.cvetyShop && !mentioned.contains(String(id))
            })
            try loaded.pg.execute(PGQuery(unsafeSQL: "UPDATE product SET price = price + 100 WHERE id = \(product)"))

            // 2. A planted orphan embedding, deleted: the manifest now claims something the data lacks.
            let orphan = try #require(manifest.first { $0.kind == .embeddingOrphan })
            try loaded.pg.execute(PGQuery(unsafeSQL: "DELETE FROM product_embeddings WHERE product_id = \(orphan.key)"))

            // 3. An unplanted Railway order's status (the Bitrix id is the manifest key of order entries).
            let order = try #require(bitrix.orders.values.sorted { $0.id < $1.id }.first { b in
                !mentioned.contains(String(b.id)) && catalog.orders[b.railway] != nil
            })
            let status = catalog.orders[order.railway]?.status == "PAID" ? "NEW" : "PAID"
            try loaded.pg.execute(
                PGQuery(unsafeSQL: #"UPDATE "order" SET status = '\#(status)' WHERE id = \#(order.railway)"#))

            let findings = try loaded.check()
            #expect(findings.unconfirmed == [orphan])
            #expect(findings.problems.count == 2, "\(findings.problems)")
            #expect(findings.problems.contains { $0.hasPrefix("product \(product) price ") }, "\(findings.problems)")
            #expect(findings.problems.contains { $0.hasPrefix("order \(order.id) status \(status) vs ") },
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
    static func withLoadedWorld(_ world: URL, socket: String, _ body: (AgreementCheck) throws -> Void) throws {
        let manifest = try WorldFixture.manifest(world)
        let db = MariaDB(socket: socket)
        let name = try db.createScratchDatabase(prefix: "wgt_agree")
        defer { db.drop(database: name) }
        try loadDump(world.appendingPathComponent("bitrix/dump.sql"), into: name, socket: socket)
        try TestDatabase.withConnection(prefix: "wgt") { pg in
            try CatalogLoader.load(world: world, schema: RepoPaths.catalogSchema, on: pg,
                                   logger: TestDatabase.quietLogger)
            try body(AgreementCheck(world: world, manifest: manifest, mariadb: db, database: name, pg: pg))
        }
    }

    /// Reads both sides as they are now and compares them with the manifest.
    func check() throws -> Findings {
        let bitrix = try BitrixSide(db: mariadb, database: database)
        let catalog = try CatalogSide(pg)
        var checker = Checker(manifest: manifest, bitrix: bitrix, catalog: catalog)
        checker.checkProducts()
        checker.checkEmbeddings()
        checker.checkOrders()
        try checker.checkSequence(pg)
        checker.checkImages(specs: try String(contentsOf: world.appendingPathComponent("images/specs.jsonl"),
                                              encoding: .utf8))
        return Findings(unconfirmed: manifest.filter { !checker.confirmed.contains($0) }, problems: checker.problems)
    }

    private static func loadDump(_ dump: URL, into database: String, socket: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["mariadb", "--no-defaults", "-S", socket, "-uroot", database]
        process.standardInput = try FileHandle(forReadingFrom: dump)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WorldGenError("mariadb could not load \(dump.path): exit \(process.terminationStatus)")
        }
    }
}

/// Ground values from the Bitrix tables.
struct BitrixSide {
    struct Product { var active: Bool; var name: String; var priceKopecks: Int; var vitrina: Bool; var width: Int?
        var height: Int?; var image: String; var imageCount: Int; var seller: Int }
    struct Order { var id: Int; var railway: Int; var status: String; var userID: Int; var priceKopecks: Int
        var phone: String; var lines: [Int: Int] }
    var products: [Int: Product] = [:]          // every catalog element (all sellers)
    var orders: [Int: Order] = [:]              // Railway orders by Bitrix id
    var users: Set<Int> = []
    var files: [String] = []

    init(db: MariaDB, database: String) throws {
        func rows(_ sql: String) throws -> [[String]] {
            try db.execute(sql, database: database).split(separator: "\n").map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
        }
        func unhex(_ s: String) -> String {
            var bytes = [UInt8]()
            var i = s.startIndex
            while i < s.endIndex {
                let j = s.index(i, offsetBy: 2)
                bytes.append(UInt8(s[i..<j], radix: 16)!)
                i = j
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let props = try rows("""
            SELECT IBLOCK_ELEMENT_ID, IBLOCK_PROPERTY_ID, VALUE FROM b_iblock_element_property
            WHERE IBLOCK_PROPERTY_ID IN (290, 291, 294, 295, 296)
            """)
        var seller: [Int: Int] = [:], ready: Set<Int> = [], cw: [Int: Int] = [:], ch: [Int: Int] = [:], gallery: [Int: Int] = [:]
        for r in props {
            let id = Int(r[0])!
            switch r[1] {
            case "290": seller[id] = Int(r[2])
            case "291": ready.insert(id)
            case "294": cw[id] = Int(r[2].replacingOccurrences(of: " см", with: ""))
            case "295": ch[id] = Int(r[2].replacingOccurrences(of: " см", with: ""))
            default: gallery[id, default: 0] += 1
            }
        }
        for r in try rows("""
            SELECT e.ID, e.ACTIVE, HEX(e.NAME), ROUND(p.PRICE * 100), CONCAT('https://cvety.kz/upload/', f.SUBDIR, '/', f.FILE_NAME)
            FROM b_iblock_element e JOIN b_catalog_price p ON p.PRODUCT_ID = e.ID AND p.CATALOG_GROUP_ID = 1
            JOIN b_file f ON f.ID = e.PREVIEW_PICTURE
            WHERE e.IBLOCK_ID IN (2, 27) AND e.WF_PARENT_ELEMENT_ID IS NULL
            """) {
            let id = Int(r[0])!
            products[id] = Product(active: r[1] == "Y", name: unhex(r[2]), priceKopecks: Int(r[3])!,
                                   vitrina: ready.contains(id), width: cw[id], height: ch[id], image: r[4],
                                   imageCount: 1 + gallery[id, default: 0], seller: seller[id] ?? 0)
        }
        users = Set(try rows("SELECT ID FROM b_user").map { Int($0[0])! })
        var phones: [Int: String] = [:]
        for r in try rows("SELECT ORDER_ID, VALUE FROM b_sale_order_props_value WHERE CODE = 'phone'") {
            phones[Int(r[0])!] = r[1]
        }
        for r in try rows("""
            SELECT ID, SUBSTRING(XML_ID, 9), STATUS_ID, USER_ID, ROUND(PRICE * 100) FROM b_sale_order WHERE XML_ID LIKE 'railway-%'
            """) {
            let id = Int(r[0])!
            orders[id] = Order(id: id, railway: Int(r[1])!, status: r[2], userID: Int(r[3])!, priceKopecks: Int(r[4])!,
                               phone: phones[id] ?? "", lines: [:])
        }
        for r in try rows("""
            SELECT b.ORDER_ID, b.PRODUCT_ID, ROUND(b.QUANTITY) FROM b_sale_basket b JOIN b_sale_order o ON o.ID = b.ORDER_ID
            WHERE o.XML_ID LIKE 'railway-%'
            """) {
            orders[Int(r[0])!]?.lines[Int(r[1])!] = Int(r[2])!
        }
        files = try rows("SELECT CONCAT('upload/', SUBDIR, '/', FILE_NAME) FROM b_file").map { $0[0] }
    }
}

/// The catalog as loaded into PostgreSQL.
struct CatalogSide {
    struct Product { var shop: Int; var name: String; var price: Int; var enabled: Bool; var width: Int?; var height: Int?
        var image: String?; var type: String; var images: Int }
    struct Order { var id: Int; var link: Int?; var status: String; var phone: String; var subtotal: Int; var items: [Int: Int] }
    struct Embedding { var productID: Int; var model: String; var source: String?; var dims: Int; var norm: Double }
    var products: [Int: Product] = [:]
    var orders: [Int: Order] = [:]
    var embeddings: [Embedding] = []
    var productSequence = 0

    init(_ pg: PGConnection) throws {
        let images = try pg.execute("SELECT product_id, count(*) FROM productimage GROUP BY product_id").rows
        var imageCount: [Int: Int] = [:]
        for r in images { imageCount[Int(r[0]!)!] = Int(r[1]!)! }
        for r in try pg.execute("SELECT id, shop_id, name, price, enabled, width, height, image, type::text FROM product").rows {
            let id = Int(r[0]!)!
            products[id] = Product(shop: Int(r[1]!)!, name: r[2]!, price: Int(r[3]!)!, enabled: r[4] == "t",
                                   width: r[5].flatMap { Int($0) }, height: r[6].flatMap { Int($0) }, image: r[7],
                                   type: r[8]!, images: imageCount[id, default: 0])
        }
        for r in try pg.execute(#"SELECT id, bitrix_order_id, status::text, phone, subtotal FROM "order""#).rows {
            let id = Int(r[0]!)!
            orders[id] = Order(id: id, link: r[1].flatMap { Int($0) }, status: r[2]!, phone: r[3]!, subtotal: Int(r[4]!)!,
                               items: [:])
        }
        for r in try pg.execute("SELECT order_id, product_id, quantity FROM orderitem").rows {
            orders[Int(r[0]!)!]?.items[Int(r[1]!)!] = Int(r[2]!)!
        }
        for r in try pg.execute("""
            SELECT product_id, model_version, source_url, array_length(embedding, 1),
                   sqrt((SELECT sum(x * x) FROM unnest(embedding) x)) FROM product_embeddings
            """).rows {
            embeddings.append(Embedding(productID: Int(r[0]!)!, model: r[1]!, source: r[2], dims: Int(r[3]!)!,
                                        norm: Double(r[4]!)!))
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

    init(manifest: [ManifestEntry], bitrix: BitrixSide, catalog: CatalogSide) {
        self.bitrix = bitrix
        self.catalog = catalog
        for entry in manifest { byKey["\(entry.kind.rawValue) \(entry.key)", default: []].append(entry) }
    }

    /// The entry of `kind` for `key` (and `field`), marking it confirmed when `holds`.
    mutating func planted(_ kind: DiscrepancyKind, _ key: Int, field: String? = nil) -> ManifestEntry? {
        byKey["\(kind.rawValue) \(key)"]?.first { field == nil || $0.field == field }
    }

    mutating func confirm(_ entry: ManifestEntry?, _ holds: Bool, _ what: String) {
        guard let entry else { return }
        if holds { confirmed.insert(entry) } else { problems.append("manifest says \(what), data disagrees") }
    }

    mutating func expect(_ holds: Bool, _ what: @autoclosure () -> String) {
        if !holds { problems.append(what()) }
    }

    static func normalisedPhone(_ raw: String) -> String {
        var digits = raw.filter(\.isNumber)
        if digits.count == 11, digits.hasPrefix("8") { digits = "7" + digits.dropFirst() }
        if digits.count == 10 { digits = "7" + digits }
        return "+" + digits
    }

    mutating func checkProducts() {
        for (id, b) in bitrix.products where b.seller == WorldIDs.cvetyShop {
            let c = catalog.products[id]
            if let missing = planted(.productMissing, id) {
                confirm(missing, c == nil, "product \(id) missing")
                continue
            }
            guard let c else {
                expect(!b.active, "active product \(id) absent from the catalog")
                continue
            }
            if let e = planted(.productField, id, field: "enabled") {
                confirm(e, !b.active && c.enabled, "product \(id) enabled drift")
            } else {
                expect(c.enabled == b.active, "product \(id) enabled \(c.enabled) vs ACTIVE \(b.active)")
            }
            if let e = planted(.productField, id, field: "name") {
                confirm(e, c.name == e.catalog && b.name == e.bitrix && c.name != b.name, "product \(id) name drift")
            } else {
                expect(c.name == b.name, "product \(id) name differs")
            }
            if let e = planted(.productField, id, field: "price") {
                confirm(e, String(c.price) == e.catalog && String(b.priceKopecks) == e.bitrix, "product \(id) price drift")
            } else {
                expect(c.price == b.priceKopecks, "product \(id) price \(c.price) vs \(b.priceKopecks)")
            }
            if let e = planted(.productShop, id) {
                confirm(e, c.shop == WorldIDs.railwayShop, "product \(id) shop")
            } else {
                expect(c.shop == WorldIDs.cvetyShop, "product \(id) in shop \(c.shop)")
            }
            // Systematic rules.
            expect(c.type == "FLOWERS", "product \(id) type \(c.type)")
            expect(b.vitrina ? (c.width == nil && c.height == nil) : (c.width == b.width && c.height == b.height),
                   "product \(id) dimensions")
            expect(c.image == b.image, "product \(id) image")
            if let e = planted(.productImagesMissing, id) {
                confirm(e, c.images == 0 && b.imageCount > 0, "product \(id) images missing")
            } else if c.enabled || c.images > 0 {
                expect(c.images == b.imageCount, "product \(id) has \(c.images) images, Bitrix \(b.imageCount)")
            }
        }
        for (id, c) in catalog.products {
            if let b = bitrix.products[id], b.seller == WorldIDs.cvetyShop { continue }
            if let e = planted(.productOrphan, id) {
                confirm(e, bitrix.products[id] == nil && c.enabled, "product \(id) orphan")
            } else if let e = planted(.productIDCollision, id) {
                confirm(e, bitrix.products[id].map { $0.name != c.name && $0.seller != WorldIDs.cvetyShop } ?? false,
                        "product \(id) id collision")
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
        let status = ["N": "NEW", "PD": "PAID", "AP": "ACCEPTED", "CO": "ASSEMBLED", "DE": "IN_DELIVERY",
                      "F": "DELIVERED", "RF": "CANCELLED", "UN": "CANCELLED"]
        var linked: [Int: [Int]] = [:]
        for c in catalog.orders.values { if let link = c.link { linked[link, default: []].append(c.id) } }
        for (id, b) in bitrix.orders {
            if !bitrix.users.contains(b.userID) {
                confirm(planted(.orderDanglingCustomer, id), true, "dangling customer")
                expect(planted(.orderDanglingCustomer, id) != nil, "order \(id) has an unplanted dangling USER_ID")
            }
            guard let c = catalog.orders[b.railway] else {
                confirm(planted(.orderMissing, id), true, "order missing")
                expect(planted(.orderMissing, id) != nil, "Railway order \(id) absent from the catalog")
                continue
            }
            if let e = planted(.orderLinkMissing, id) { confirm(e, c.link == nil, "link missing") }
            else { expect(c.link == id, "order \(id) link \(String(describing: c.link))") }
            if let e = planted(.orderLinkDuplicate, id) { confirm(e, linked[id, default: []].count == 2, "link duplicate") }
            else { expect(linked[id, default: []].count <= 1, "order \(id) linked twice") }
            if let mapped = status[b.status] {
                if let e = planted(.orderStatus, id) { confirm(e, c.status == e.catalog && c.status != mapped, "status") }
                else { expect(c.status == mapped, "order \(id) status \(c.status) vs \(b.status)") }
            } else {
                confirm(planted(.orderStatusUnmapped, id), true, "unmapped")
                expect(planted(.orderStatusUnmapped, id) != nil, "order \(id) has unplanted unmapped \(b.status)")
            }
            if let e = planted(.orderField, id, field: "phone") { confirm(e, c.phone == e.catalog, "phone") }
            else { expect(c.phone == Self.normalisedPhone(b.phone), "order \(id) phone \(c.phone) vs \(b.phone)") }
            expect(c.subtotal == b.priceKopecks, "order \(id) subtotal \(c.subtotal) vs \(b.priceKopecks)")
            var expected = b.lines
            if let e = planted(.orderItemMissing, id), let item = Int(e.item ?? "") {
                confirm(e, c.items[item] == nil && b.lines[item] != nil, "item missing")
                expected[item] = nil
            }
            if let e = planted(.orderItemExtra, id), let item = Int(e.item ?? "") {
                confirm(e, c.items[item] != nil && b.lines[item] == nil, "item extra")
                expected[item] = c.items[item]
            }
            if let e = planted(.orderItemField, id), let item = Int(e.item ?? "") {
                confirm(e, String(c.items[item] ?? 0) == e.catalog && String(b.lines[item] ?? 0) == e.bitrix, "item qty")
                expected[item] = c.items[item]
            }
            if let e = planted(.orderDanglingProduct, id), let item = Int(e.item ?? "") {
                confirm(e, bitrix.products[item] == nil && catalog.products[item]?.enabled == false, "dangling product")
            }
            expect(c.items == expected, "order \(id) items differ")
        }
        for c in catalog.orders.values {
            guard let link = c.link else { continue }
            if bitrix.orders[link] == nil {
                confirm(planted(.orderOrphan, link), true, "orphan order")
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
