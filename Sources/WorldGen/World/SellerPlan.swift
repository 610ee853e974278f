import Foundation

/// The sellers of a world (iblock-32 elements, property 290 of a product, the `shopId` order property): who
/// they are, how many products each owns, and which of them moved to the catalog.
///
/// Two layouts:
/// - **tiny and s** keep the five named sellers of upstream.md §5 beside 17008, three of them migrated
///   (``WorldIDs/migratedSellers``), and draw a product's seller as they always did (45 % 17008, the rest
///   uniform over the five): their worlds stay byte for byte what the tests were written against.
/// - **m, l and l2** grow the fleet: 200 sellers like the real one ("… 200 shops synced"), the five named
///   ones with their real product counts (Оранж 780, Rozy.kz Astana 646, Henry Bonnar 443, Obuket 420,
///   ROZY.KZ Момышулы 307 beside Cvetykz's 2,828) and a long tail of 194 synthetic sellers whose counts fall
///   off as a power law of their rank. 50 sellers besides 17008 are migrated: the three named ones and 47 of
///   the tail (a seeded choice that favours the larger shops); the rest stay Bitrix-only. Products, website
///   orders and Railway orders are drawn with those weights.
///
/// Everything derives from the scale and the seed: the same pair gives the same plan (ids, names, weights).
public struct SellerPlan: Sendable, Equatable {
    /// One seller: an iblock-32 element.
    public struct Seller: Sendable, Equatable {
        /// The element id (the value of property 290; the catalog shop id once migrated).
        public var id: Int
        /// The element's NAME (the catalog shop's name once migrated).
        public var name: String
        /// The seller's share of the products, relative to the others' (its real product count for the named
        /// sellers of the fleet layout; 1 for the five others of the small layout, whose draw is uniform).
        public var weight: Double
        /// Whether the seller is a catalog shop with its own id (17008 included).
        public var migrated: Bool
    }

    /// How the sellers are laid out and drawn.
    public enum Layout: String, Sendable, Equatable {
        /// tiny and s: 17008 and the five named sellers, three migrated, the draws of generator 1.4.0.
        case named
        /// m, l and l2: a fleet of 200 sellers with the real skew, 50 migrated besides 17008.
        case fleet
    }

    /// The layout of this plan.
    public let layout: Layout
    /// Every seller, 17008 first, then by falling weight (ties by id).
    public let sellers: [Seller]
    /// The migrated sellers besides 17008, in the order their catalog shops and directors are written.
    public let migrated: [Int]
    /// The sellers with no catalog shop (nothing of theirs in the catalog), in ``sellers`` order.
    public let bitrixOnly: [Int]
    /// The share of products (and website orders) that belong to 17008 in the fleet layout.
    let cvetyShare: Double
    /// The weighted draw over every seller but 17008 (fleet layout).
    let others: WeightedChoice

    /// Every seller with a catalog shop, 17008 first.
    public var catalogSellers: [Int] { [WorldIDs.cvetyShop] + migrated }

    /// The plan of a world of `scale` and `seed`.
    public init(scale: WorldScale, seed: UInt64) {
        switch scale {
        case .tiny, .s: self.init(named: ())
        case .m, .l, .l2: self.init(fleetSeed: seed)
        }
    }

    /// The sellers of generator 1.4.0 (tiny and s).
    private init(named: Void) {
        layout = .named
        let cvety = Seller(id: WorldIDs.cvetyShop, name: "Cvetykz", weight: Self.cvetyProducts, migrated: true)
        sellers =
            [cvety]
            + Self.namedSellers.map {
                Seller(id: $0.id, name: $0.name, weight: 1, migrated: WorldIDs.migratedSellers.contains($0.id))
            }
        migrated = WorldIDs.migratedSellers
        bitrixOnly = sellers.filter { !$0.migrated }.map(\.id)
        cvetyShare = 0.45
        others = WeightedChoice(ids: WorldIDs.otherSellers, weights: WorldIDs.otherSellers.map { _ in 1 })
    }

    /// The fleet of m, l and l2.
    private init(fleetSeed seed: UInt64) {
        layout = .fleet
        var used = Set([WorldIDs.cvetyShop, WorldIDs.railwayShop] + Self.namedSellers.map(\.id))
        var names = Set(Self.namedSellers.map(\.name) + ["Cvetykz"])
        var tail: [(seller: Seller, key: Double)] = []
        let lastNamed = Self.namedSellers.count
        for rank in (lastNamed + 1)...(Self.fleetSize - 1) {
            var r = WorldRandom(seed: seed, stream: .sellers, index: rank)
            var id = 0
            repeat { id = r.int(Self.tailIDs) } while !used.insert(id).inserted
            var name = Self.tailName(&r)
            if !names.insert(name).inserted {
                name += " №\(rank)"
                names.insert(name)
            }
            // A power law continuing from the last named seller (307 at rank 5): rank 6 ≈ 246, 50 ≈ 19, 199 ≈ 4.
            let weight = Self.namedSellers[lastNamed - 1].products * pow(Double(lastNamed) / Double(rank), 1.2)
            // Larger shops migrate first, but not strictly in rank order.
            let key = Double(rank) * (0.5 + r.unit())
            tail.append((Seller(id: id, name: name, weight: weight, migrated: false), key))
        }
        let movers = Set(
            tail.sorted { ($0.key, $0.seller.id) < ($1.key, $1.seller.id) }
                .prefix(Self.fleetMigrated - WorldIDs.migratedSellers.count).map(\.seller.id))
        let cvety = Seller(id: WorldIDs.cvetyShop, name: "Cvetykz", weight: Self.cvetyProducts, migrated: true)
        let named = Self.namedSellers.map {
            Seller(id: $0.id, name: $0.name, weight: $0.products, migrated: WorldIDs.migratedSellers.contains($0.id))
        }
        let rest = tail.map { entry -> Seller in
            var seller = entry.seller
            seller.migrated = movers.contains(seller.id)
            return seller
        }
        let ordered = (named + rest).sorted { ($0.weight, -$0.id) > ($1.weight, -$1.id) }
        sellers = [cvety] + ordered
        migrated = ordered.filter(\.migrated).map(\.id)
        bitrixOnly = ordered.filter { !$0.migrated }.map(\.id)
        cvetyShare = cvety.weight / sellers.reduce(0) { $0 + $1.weight }
        others = WeightedChoice(ids: ordered.map(\.id), weights: ordered.map(\.weight))
    }

    /// The NAME of seller `id` (empty for an id that is not a seller of the plan).
    public func name(of id: Int) -> String { sellers.first { $0.id == id }?.name ?? "" }

    /// The seller of a Bitrix product: two draws from the product's own stream, whatever the layout.
    public func productSeller(_ r: inout WorldRandom) -> Int {
        switch layout {
        case .named: r.chance(0.45) ? WorldIDs.cvetyShop : r.pick(WorldIDs.otherSellers)
        case .fleet: r.chance(cvetyShare) ? WorldIDs.cvetyShop : others.pick(&r)
        }
    }

    /// The `shopId` order property of a website order (one not created from the Railway backend).
    public func websiteOrderShop(_ r: inout WorldRandom) -> Int {
        switch layout {
        case .named: r.chance(0.5) ? WorldIDs.cvetyShop : r.pick(WorldIDs.otherSellers)
        case .fleet: r.chance(cvetyShare) ? WorldIDs.cvetyShop : others.pick(&r)
        }
    }

    /// The draw of a Railway order's shop among the catalog sellers that have clean products to order
    /// (`eligible`, besides 17008, which is always eligible once Railway orders are made at all).
    public func railwayShops(eligible: [Int]) -> RailwayShops {
        let weights = Dictionary(sellers.map { ($0.id, $0.weight) }, uniquingKeysWith: { a, _ in a })
        return RailwayShops(
            layout: layout, others: eligible,
            weighted: WeightedChoice(
                ids: [WorldIDs.cvetyShop] + eligible,
                weights: [Self.cvetyProducts] + eligible.map { weights[$0] ?? 1 }))
    }

    /// The draw of a Railway order's shop (``railwayShops(eligible:)``).
    public struct RailwayShops: Sendable {
        let layout: Layout
        let others: [Int]
        let weighted: WeightedChoice

        /// The shop of the next Railway order: in the small layout 17008 for three orders in four and the
        /// rest uniform over the others (the draws of generator 1.4.0); in the fleet by the sellers' weights.
        public func pick(_ r: inout WorldRandom) -> Int {
            switch layout {
            case .named:
                if !others.isEmpty && r.chance(0.25) { return r.pick(others) }
                return WorldIDs.cvetyShop
            case .fleet:
                return weighted.pick(&r)
            }
        }
    }

    /// Cvetykz's real product count (upstream.md §5), its weight in the fleet.
    static let cvetyProducts = 2828.0
    /// Sellers in the fleet layout, 17008 included (upstream.md §5: "200 shops synced").
    static let fleetSize = 200
    /// Migrated sellers besides 17008 in the fleet layout (issue 18: "about 50").
    static let fleetMigrated = 50
    /// Where the tail's element ids come from: below the first catalog element, as the real sellers' ids are
    /// (17008 … 608718), away from 17008's neighbourhood.
    static let tailIDs = 20_000...660_000

    /// The named sellers with their real product counts (upstream.md §5), in the order of
    /// ``WorldIDs/otherSellers``.
    static let namedSellers: [(id: Int, name: String, products: Double)] = [
        (71264, "Оранж", 780), (559975, "Rozy.kz Astana", 646), (90246, "Henry Bonnar", 443),
        (72812, "Obuket", 420), (608718, "ROZY.KZ Момышулы", 307),
    ]

    /// A plausible shop name for the tail: a flower word and a city, a few with characters that HTML, CSV and
    /// SQL writers must escape.
    static func tailName(_ r: inout WorldRandom) -> String {
        let city = r.pick(tailCities)
        switch r.int(0...9) {
        case 0: return "Цветы «\(r.pick(tailWords))» \(city)"
        case 1: return "\(r.pick(latinWords)) & Co \(city)"
        case 2: return "Гүл'дер \(city)"
        case 3...5: return "\(r.pick(tailWords)) \(city)"
        default: return "\(r.pick(latinWords)).kz \(city)"
        }
    }

    static let tailWords = [
        "Флора", "Букетная", "Роза ветров", "Пион", "Тюльпан", "Орхидея", "Ромашка", "Лаванда", "Магнолия",
        "Гүлдер", "Раушан", "Лилия", "Эустома", "Цветочная лавка", "Сирень",
    ]
    static let latinWords = [
        "Flowers", "Bloom", "Fleur", "Rose", "Lily", "Peony", "Tulip", "Orchid", "Bouquet", "FlowerBox", "Gul",
    ]
    static let tailCities = [
        "Астана", "Алматы", "Шымкент", "Караганда", "Актобе", "Павлодар", "Костанай", "Атырау", "Тараз",
        "Кокшетау", "Семей", "Уральск", "Петропавловск", "Туркестан", "Актау",
    ]
}

/// A draw of one id by relative weights: one 64-bit draw, then a binary search of the cumulative weights.
struct WeightedChoice: Sendable, Equatable {
    let ids: [Int]
    let cumulative: [Double]

    init(ids: [Int], weights: [Double]) {
        self.ids = ids
        var total = 0.0
        cumulative = weights.map {
            total += $0
            return total
        }
    }

    func pick(_ r: inout WorldRandom) -> Int {
        guard let total = cumulative.last, total > 0 else { return ids[r.int(0...(ids.count - 1))] }
        let x = r.unit() * total
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > x { high = mid } else { low = mid + 1 }
        }
        return ids[low]
    }
}
