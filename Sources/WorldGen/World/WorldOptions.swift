public import Foundation

/// What to generate and where.
public struct WorldOptions: Sendable {
    /// The world's size.
    public var scale: WorldScale
    /// The seed every value derives from.
    public var seed: UInt64
    /// The world folder (created; existing generated files are replaced).
    public var output: URL
    /// The MariaDB socket for loading the Bitrix tables and running `mariadb-dump` (small scales).
    /// `nil` writes only the direct dump.
    public var mariadbSocket: String?
    /// Whether to render the image files (``WorldImages``); failures there are logged and skipped.
    public var writeImages: Bool
    /// Whether to also write the direct writer's dump at small scales (large scales always use it).
    public var directDump: Bool

    /// Creates options.
    public init(
        scale: WorldScale, seed: UInt64, output: URL, mariadbSocket: String?, writeImages: Bool = true,
        directDump: Bool = true
    ) {
        self.scale = scale
        self.seed = seed
        self.output = output
        self.mariadbSocket = mariadbSocket
        self.writeImages = writeImages
        self.directDump = directDump
    }
}

/// Fixed instants of the world (seconds since 1970, UTC; Bitrix wall-clock times are stored as if UTC).
enum WorldClock {
    /// 2019-01-01 00:00:00: the first product and order.
    static let start = days(fromCivil: 2019, 1, 1) * 86_400
    /// 2025-10-25 03:00:00: the snapshot (dump) time.
    static let snapshot = days(fromCivil: 2025, 10, 25) * 86_400 + 3 * 3600
    /// Seconds between start and snapshot.
    static var span: Int { snapshot - start - 86_400 }
}

/// Identifiers of the world.
public enum WorldIDs {
    /// The production shop (an iblock-32 element in Bitrix).
    public static let cvetyShop = 17008
    /// The Railway dev shop the product webhook writes into.
    public static let railwayShop = 8
    /// The named sellers besides 17008 (iblock-32 elements), from the real shop list: the other sellers of
    /// the tiny and s worlds, and the largest of the m, l and l2 fleet (``SellerPlan``).
    public static let otherSellers = [71264, 559975, 90246, 72812, 608718]
    /// Named sellers besides 17008 that moved to the catalog: each is a catalog shop with its seller id,
    /// holding its products and the orders whose `shopId` order property names it. In tiny and s the rest of
    /// ``otherSellers`` are Bitrix-only (no catalog shop, nothing of theirs in the catalog); m, l and l2
    /// migrate 47 more sellers of their fleet (``SellerPlan/migrated``).
    public static let migratedSellers = [71264, 559975, 90246]
    /// Every seller with a catalog shop in tiny and s, 17008 first (``SellerPlan/catalogSellers`` for any
    /// scale).
    public static var catalogSellers: [Int] { [cvetyShop] + migratedSellers }
    /// The first catalog element id (element i has id `firstElement + 3·i`; `+1` is its workflow copy, `+2`
    /// stays free for products deleted from Bitrix).
    public static let firstElement = 668_826
    /// The first `b_file.ID` (element i owns ids `firstFile + 4·i …+3`).
    public static let firstFile = 1_000_000
    /// The first `b_sale_order.ID`.
    public static let firstOrder = 100_001
    /// The first `b_user.ID`.
    public static let firstUser = 150_001
    /// Property ids: seller (290, the real one) and the rest of the catalog iblock's properties.
    static let propSeller = 290, propIsReady = 291, propWidth = 292, propHeight = 293, propCatalogWidth = 294,
        propCatalogHeight = 295, propMorePhoto = 296, propPrice = 297
    /// The embedding model label.
    public static let modelVersion = "vertex-multimodal-001"
    /// The image host of Bitrix URLs.
    public static let imageHost = "https://cvety.kz/"
}
