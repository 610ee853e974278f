import BackstopModel
import BackstopTestSupport
import BackstopWorldGen
import Foundation
import Testing

/// The sellers of a world (``SellerPlan``): tiny and s keep generator 1.4.0's five named sellers and draws
/// (their worlds are what the tests were written against), m, l and l2 grow a fleet of about 50 migrated
/// sellers with the real fleet's skew, the same for the same seed. No big world is generated: the plan is
/// checked directly, and the m scale's product draws are simulated with the plan's own draw.
@Suite struct SellerPlanTests {
    static let named = [71264, 559975, 90246, 72812, 608718]

    /// tiny and s: the sellers, names and roles of 1.4.0, and every draw (product seller, website order shop,
    /// Railway order shop) the very expression 1.4.0 used, consuming the same random values.
    @Test(arguments: [WorldScale.tiny, .s], [UInt64(1), 7, 42])
    func smallWorldsKeepTheirSellers(scale: WorldScale, seed: UInt64) {
        let plan = SellerPlan(scale: scale, seed: seed)
        #expect(plan.sellers.map(\.id) == [17008] + Self.named)
        #expect(
            plan.sellers.map(\.name) == [
                "Cvetykz", "Оранж", "Rozy.kz Astana", "Henry Bonnar", "Obuket", "ROZY.KZ Момышулы",
            ])
        #expect(plan.catalogSellers == [17008, 71264, 559975, 90246])
        #expect(plan.catalogSellers == WorldIDs.catalogSellers)
        #expect(plan.bitrixOnly == [72812, 608718])
        let railway = plan.railwayShops(eligible: [71264, 559975, 90246])
        let railwayNone = plan.railwayShops(eligible: [])
        var differences = 0
        for i in 0..<3000 {
            var a = WorldRandom(seed: seed, stream: .product, index: i)
            var b = a
            if plan.productSeller(&a) != (b.chance(0.45) ? 17008 : b.pick(Self.named)) { differences += 1 }
            if plan.websiteOrderShop(&a) != (b.chance(0.5) ? 17008 : b.pick(Self.named)) { differences += 1 }
            if railway.pick(&a) != (b.chance(0.25) ? b.pick([71264, 559975, 90246]) : 17008) { differences += 1 }
            if railwayNone.pick(&a) != 17008 { differences += 1 }
            if a.next() != b.next() { differences += 1 }  // the same number of values consumed
        }
        #expect(differences == 0)
    }

    /// m: 200 sellers, 50 migrated besides 17008 (the three named migrated ones among them, Obuket and
    /// ROZY.KZ Момышулы still Bitrix-only), distinct plausible iblock-32 ids below the catalog's first element,
    /// distinct names; l and l2 have the same plan; the plan is the same for the same seed, and another seed
    /// gives another tail but the same named sellers.
    @Test func mGrowsAFleet() {
        let plan = SellerPlan(scale: .m, seed: 7)
        #expect(plan.sellers.count == 200)
        #expect(plan.migrated.count == 50)
        #expect(plan.catalogSellers.count == 51 && plan.catalogSellers.first == 17008)
        #expect(plan.bitrixOnly.count == 149)
        #expect(Set(plan.migrated).isSuperset(of: [71264, 559975, 90246]))
        #expect(Set(plan.bitrixOnly).isSuperset(of: [72812, 608718]))
        #expect(Set(plan.migrated).isDisjoint(with: plan.bitrixOnly))
        let ids = plan.sellers.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0 >= 17008 && $0 < WorldIDs.firstElement && $0 != WorldIDs.railwayShop })
        #expect(Set(plan.sellers.map(\.name)).count == ids.count)
        #expect(plan.sellers.allSatisfy { !$0.name.isEmpty })
        #expect(plan.sellers.first?.name == "Cvetykz")
        #expect(plan.sellers.prefix(6).map(\.id) == [17008] + Self.named)  // the named ones lead the tail

        #expect(SellerPlan(scale: .m, seed: 7) == plan)
        #expect(SellerPlan(scale: .l, seed: 7) == plan)
        #expect(SellerPlan(scale: .l2, seed: 7) == plan)
        let other = SellerPlan(scale: .m, seed: 8)
        #expect(other != plan)
        #expect(Set(other.sellers.map(\.id)) != Set(ids))
        #expect(other.sellers.prefix(6).map(\.id) == [17008] + Self.named)
        #expect(other.migrated.count == 50)
    }

    /// m's 100 000 products drawn with the plan: the real skew (17008 about 30 %, Оранж about 780/2828 of
    /// 17008 and the named sellers in their real order, the six largest about 58 %, a long tail of sellers
    /// under 1 % each), and every migrated seller with enough products for its drift rotation.
    @Test func mSpreadsProductsWithTheRealSkew() throws {
        let plan = SellerPlan(scale: .m, seed: 7)
        var counts: [Int: Int] = [:]
        let products = WorldScale.m.products
        for i in 0..<products {
            var r = WorldRandom(seed: 7, stream: .product, index: i)
            counts[plan.productSeller(&r), default: 0] += 1
        }
        func share(_ id: Int) -> Double { Double(counts[id, default: 0]) / Double(products) }
        #expect((0.27...0.34).contains(share(17008)), "17008 has \(share(17008))")
        let orange = share(71264) / share(17008)
        #expect(abs(orange - 780.0 / 2828.0) < 0.03, "Оранж / Cvetykz \(orange)")
        let order = [17008, 71264, 559975, 90246, 72812, 608718].map { counts[$0, default: 0] }
        #expect(order == order.sorted(by: >), "\(order)")
        let top6 = order.reduce(0, +)
        #expect((0.52...0.64).contains(Double(top6) / Double(products)), "top six hold \(top6)")
        #expect(counts.count == 200, "every seller owns products")
        #expect(counts.values.filter { Double($0) < 0.01 * Double(products) }.count >= 150, "a long tail")
        let smallest = try #require(plan.migrated.map { counts[$0, default: 0] }.min())
        #expect(smallest >= 25, "the smallest migrated seller has \(smallest) products")
        // Railway orders go to the catalog sellers by the same weights: 17008 the largest, every one drawn.
        let railway = plan.railwayShops(eligible: plan.migrated)
        var orders: [Int: Int] = [:]
        for i in 0..<20_000 {
            var r = WorldRandom(seed: 7, stream: .order, index: i)
            orders[railway.pick(&r), default: 0] += 1
        }
        #expect(Set(orders.keys) == Set(plan.catalogSellers))
        #expect(orders[17008] == orders.values.max())
    }

    /// The bundled data/tiny is what this generator makes of tiny seed 1: the manifest, the hard negatives,
    /// every catalog file, the image specs and the Bitrix dump (mariadb-dump's there, the direct writer's
    /// here: equal but for the host and completion lines) are byte for byte the committed ones.
    @Test func bundledTinyIsTheGeneratorsOutput() async throws {
        let bundled = RepoPaths.root.appendingPathComponent("data/tiny")
        let world = try await WorldFixture.tinyWorld(seed: 1, socket: nil)
        defer { try? FileManager.default.removeItem(at: world) }
        let catalog = try FileManager.default.contentsOfDirectory(
            atPath: bundled.appendingPathComponent("catalog").path
        ).sorted()
        #expect(catalog.count >= 10)
        for file in ["manifest.jsonl", "negatives.jsonl", "images/specs.jsonl"] + catalog.map({ "catalog/" + $0 }) {
            let a = try Data(contentsOf: bundled.appendingPathComponent(file))
            let b = try Data(contentsOf: world.appendingPathComponent(file))
            #expect(a == b, "\(file) differs from the bundled data/tiny")
        }
        func lines(_ url: URL) throws -> [Substring] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("-- Dump completed on") && !$0.hasPrefix("-- Host: ") }
        }
        let x = try lines(bundled.appendingPathComponent("bitrix/dump.sql"))
        let y = try lines(world.appendingPathComponent("bitrix/dump.sql"))
        #expect(x.count == y.count)
        let first = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(first == nil, "bitrix/dump.sql first differs at line \((first?.offset ?? 0) + 1)")
    }
}
