import BackstopModel
import Foundation

/// The state of one generation pass: every table writer, the manifest, the image specs and the pools that
/// connect products to orders. Products are generated first (element by element, in id order), then orders.
final class WorldBuild {
    let scale: WorldScale
    let seed: UInt64
    let work: URL
    /// The world's sellers: who owns a product or an order, which of them are catalog shops.
    let sellers: SellerPlan
    var bitrix: [BitrixTable: BitrixRowWriter] = [:]
    var catalog: [CatalogTable: CopyWriter] = [:]
    var manifest: [ManifestEntry] = []
    var specs: [ImageSpec] = []

    /// Clean, active, catalog-synced products of each catalog seller (index into `products`), for its
    /// Railway orders.
    var cleanPools: [Int: [Int32]] = [:]
    /// The shop the next planted entries belong to (``ManifestEntry/shop``).
    var plantShop = WorldIDs.cvetyShop
    /// Every product element (for website orders), by element index.
    var productNames: [String] = []
    var productPrices: [Int32] = []
    var productIDs: [Int32] = []
    /// Element ids left free in Bitrix (the `+2` slots), for deleted products.
    var nextFreeSlot = 0
    /// Clean product with an image whose bouquet a near-duplicate copies.
    var lastDuplicateSource: (id: Int, seed: UInt64, path: String)?
    /// Pairs of pictures that look alike without being copies, which `image.duplicate` must not report
    /// (`negatives.jsonl`); see ``hardNegativeSpec(id:bouquet:path:format:)``.
    var hardNegatives: [ManifestEntry] = []
    /// Clean pictures of shop 17008 seen so far (for ``WorldScale/hardNegativePeriod``).
    var cleanPictures = 0
    /// The first view of a scene whose second view goes to the next clean product.
    var pendingRegion: (id: Int, seed: UInt64, path: String, sceneWidth: Int, cause: String)?
    var lastElementID = 0

    // Sequential ids.
    var propertyValueID = 0
    var priceID = 0
    var basketID = 0
    var orderPropID = 0
    var productImageID = 0
    var embeddingID = 0
    var clientID = 0
    var orderItemID = 0
    var historyID = 0
    var catalogOrderID = 0
    var clientPhones: Set<String> = []

    init(scale: WorldScale, seed: UInt64, work: URL, tsv: Bool, catalogDirectory: URL) throws {
        self.scale = scale
        self.seed = seed
        self.work = work
        self.sellers = SellerPlan(scale: scale, seed: seed)
        for table in BitrixTable.allCases {
            bitrix[table] = try BitrixRowWriter(
                table: table,
                dumpBody: work.appendingPathComponent("\(table.name).body"),
                tsv: tsv ? work.appendingPathComponent("\(table.name).tsv") : nil)
        }
        for table in CatalogTable.allCases {
            catalog[table] = try CopyWriter(table: table, directory: catalogDirectory)
        }
    }

    func b(_ table: BitrixTable) -> BitrixRowWriter {
        guard let writer = bitrix[table] else { preconditionFailure("init makes a writer for every table") }
        return writer
    }

    func c(_ table: CatalogTable) -> CopyWriter {
        guard let writer = catalog[table] else { preconditionFailure("init makes a writer for every table") }
        return writer
    }

    /// Records a planted discrepancy in ``plantShop``'s report.
    func plant(_ entry: ManifestEntry) {
        var entry = entry
        entry.shop = plantShop
        manifest.append(entry)
    }

    /// A random generator for one entity.
    func rng(_ stream: WorldRandom.Stream, _ index: Int) -> WorldRandom {
        WorldRandom(seed: seed, stream: stream, index: index)
    }
}

extension BitrixRowWriter {
    /// `count` NULLs.
    func nulls(_ count: Int) {
        for _ in 0..<count { null() }
    }
}
