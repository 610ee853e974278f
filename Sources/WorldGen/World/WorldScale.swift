/// The size of a synthetic world.
public enum WorldScale: String, Sendable, CaseIterable, Codable {
    /// About 100 products and 200 orders: the bundled demo world (`data/tiny`).
    case tiny
    /// 10 000 products, 50 000 orders: the world the tests use.
    case s
    /// 100 000 products, 1 000 000 orders: benchmarks.
    case m
    /// 1 000 000 products, 5 000 000 orders: benchmarks.
    case l
    /// `l` with twice its orders (10 000 000): the benchmark that a run's memory follows the
    /// catalog, not the dump.
    case l2

    /// Catalog elements (iblocks 2 and 27) in Bitrix, before workflow copies.
    public var products: Int {
        switch self {
        case .tiny: 100
        case .s: 10_000
        case .m: 100_000
        case .l, .l2: 1_000_000
        }
    }

    /// Orders in `b_sale_order`.
    public var orders: Int {
        switch self {
        case .tiny: 200
        case .s: 50_000
        case .m: 1_000_000
        case .l: 5_000_000
        case .l2: 10_000_000
        }
    }

    /// Registered users in `b_user`.
    public var users: Int {
        switch self {
        case .tiny: 80
        case .s: 20_000
        case .m: 200_000
        case .l, .l2: 1_000_000
        }
    }

    /// The share of Bitrix orders created from the Railway backend (`XML_ID = 'railway-N'`).
    public var railwayShare: Double {
        switch self {
        case .tiny: 0.45
        case .s: 0.05
        case .m, .l, .l2: 0.02
        }
    }

    /// One in `driftPeriod` eligible products (and Railway orders) carries a planted discrepancy; the kinds
    /// rotate, so even the tiny world holds every kind.
    public var driftPeriod: Int {
        switch self {
        case .tiny: 2
        case .s: 12
        case .m, .l, .l2: 40
        }
    }

    /// One in `hardNegativePeriod` clean pictures of shop 17008 starts a hard negative pair for
    /// `image.duplicate` (`negatives.jsonl`).
    public var hardNegativePeriod: Int {
        switch self {
        case .tiny: 2
        case .s: 50
        case .m, .l, .l2: 200
        }
    }

    /// Whether the Bitrix tables go through a real MariaDB server and real `mariadb-dump` (small worlds), or
    /// only through the direct dump writer (large worlds).
    public var usesMariaDB: Bool { self == .tiny || self == .s }
}
