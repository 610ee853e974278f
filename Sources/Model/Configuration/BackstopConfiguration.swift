public import Foundation

/// Everything a Backstop run is configured with. Sources, lowest precedence first: built-in defaults
/// (the upstream values), `backstop.toml`, the environment (`DATABASE_URL`, libpq's `PG*` variables,
/// `BACKSTOP_*`), then command-line flags (applied by the CLI).
public struct BackstopConfiguration: Sendable, Equatable {
    /// The upstream catalog connection: a libpq conninfo string or URI; empty means "libpq defaults and
    /// the `PG*` environment variables".
    public var catalogConninfo: String = ""
    /// Where ``catalogConninfo`` came from, for `doctor` and run records (never the password).
    public var catalogSource: String = "libpq defaults"
    /// The home shop (`catalog.shop_id`; `product.shop_id`, a Bitrix seller element id): the shop a run
    /// reconciles when ``shops`` is not set, and the shop whose report holds catalog-wide findings.
    public var shopID: Int64 = 17008
    /// The shops a run reconciles (`--shop`); `nil` means the home shop alone.
    public var shops: ShopSelection?
    /// The share of ``shops`` this worker takes (`--partition K/N`); `nil` takes them all.
    public var partition: FleetPartition?
    /// Bitrix sellers whose catalog shop has another id (`[shops]` in backstop.toml: `<seller id> = <shop id>`).
    public var shopMap: [Int64: Int64] = [:]
    /// The Railway dev shop the product webhook writes new products into.
    public var webhookShopID: Int64 = 8
    /// The zone the catalog's `timestamp` columns (`updated_at`) are written in; `nil` means the Bitrix
    /// time zone (both sides on one wall clock). Used for the sync-latency figures only.
    public var catalogTimeZone: String?

    /// Bitrix-side settings.
    public var bitrix = Bitrix()
    /// Image and embedding settings.
    public var images = Images()
    /// Report settings.
    public var report = Report()
    /// Merge planning and apply settings.
    public var merge = Merge()

    /// The file the configuration was read from, if any.
    public var file: String?

    /// Bitrix-side settings (defaults: upstream.md §0, §4).
    public struct Bitrix: Sendable, Equatable {
        /// Dump files or folders (mysqldump, mydumper, --tab) to read.
        public var dumps: [String] = []
        /// Saved `/api/v2/products` pages (files or a folder).
        public var feed: [String] = []
        /// Catalog iblock ids (2 = catalog, 27 = offers).
        public var iblocks: [Int64] = [2, 27]
        /// The seller property id (290 = Продавец).
        public var sellerProperty: Int64 = 290
        /// The base price group (`b_catalog_group`, 1).
        public var priceGroup: Int64 = 1
        /// The base currency.
        public var currency: String = "KZT"
        /// Public URL prefix of `/upload/…` files.
        public var baseURL: String = "https://cvety.kz"
        /// The site id (`LID`).
        public var site: String = "s1"
        /// The time zone of Bitrix DATETIME wall-clock values.
        public var timeZone: String = "Asia/Almaty"
        /// "Now" for a dump without a dated footer (`YYYY-MM-DD HH:MM:SS`, site time); the footer wins.
        public var snapshotTime: String?
        /// Threads reading a dump: 1 parses and builds the Bitrix model on one thread; 2 or more parse on a
        /// thread of their own, ahead of the model (the same result, sooner). Default: 2 when the machine
        /// has two cores or more.
        public var readThreads: Int = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Image fetching and embeddings.
    public struct Images: Sendable, Equatable {
        /// A local folder mirroring the image URLs' paths (used instead of HTTP when set).
        public var mirror: String?
        /// Parallel image fetches.
        public var concurrency: Int = 8
        /// Images per saved batch of the index stage (its safe points: a stop or a kill loses at most one).
        public var batchSize: Int = 512
        /// The current embedding model label (`product_embeddings.model_version`).
        public var model: String = "vertex-multimodal-001"
        /// The embedding dimension.
        public var dimensions: Int = 512
        /// The remote embedding service (`POST /embed/batch`), when used.
        public var embeddingService: String?
        /// Whether images outside the mirror are fetched over HTTP(S) (off by default: a batch job that
        /// sends thousands of requests to the shop's web server should be told to).
        public var network: Bool = false
        /// The HTTP image cache folder.
        public var cache: String = ".backstop/cache/images"
        /// The production embedding provider: `none`, `embedding-service` or `vertex`.
        public var provider: String = "none"
        /// The Vertex `…:predict` URL, for `provider = "vertex"` (the token comes from `BACKSTOP_VERTEX_TOKEN`).
        public var vertexEndpoint: String?
    }

    /// Where reports go.
    public struct Report: Sendable, Equatable {
        /// The folder that receives one sub-folder per run.
        public var directory: String = "reports"
        /// Formats written by default.
        public var formats: [String] = ["json", "ndjson", "md", "html", "csv", "prom", "junit"]
        /// A node_exporter textfile-collector folder for the `.prom` file, if any.
        public var textfileDirectory: String?
    }

    /// The built-in defaults.
    public init() {}

    /// An error in the configuration file or environment, naming the file and key.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        /// What is wrong and where.
        public var description: String
        /// Wraps a message that already names the file (or variable) and the key; the CLI exits 64 with it.
        public init(_ description: String) { self.description = description }
    }

    /// Loads defaults, then `file` (or `BACKSTOP_CONFIG`, or `./backstop.toml` if present), then the
    /// environment.
    ///
    /// Later sources win: a key in the file beats the default, a variable beats the file; command-line
    /// flags are applied by the CLI after this. A missing `./backstop.toml` is fine, a missing explicit
    /// file is an error.
    ///
    /// ```swift
    /// let configuration = try BackstopConfiguration.load(file: "/etc/backstop.toml")
    /// configuration.shopID   // catalog.shop_id from the file, else 17008
    /// ```
    /// - Parameters:
    ///   - file: An explicit configuration file (`--config`).
    ///   - environment: The variables to read (the process's by default; tests pass their own).
    /// - Returns: The effective configuration, with ``file`` set to the file that was read.
    /// - Throws: ``Error`` naming the file and key for unreadable files, unknown keys (typos) and
    ///   wrongly typed values.
    public static func load(
        file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> BackstopConfiguration {
        var configuration = BackstopConfiguration()
        let explicit = file ?? environment["BACKSTOP_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = explicit ?? (FileManager.default.fileExists(atPath: "backstop.toml") ? "backstop.toml" : nil)
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Error("cannot read the configuration file \(path)")
            }
            let document: TOMLDocument
            do {
                document = try TOMLDocument(parsing: String(decoding: data, as: UTF8.self), file: path)
            } catch {
                throw Error(error.description)
            }
            try configuration.apply(document, file: path)
            configuration.file = path
        }
        try configuration.applyEnvironment(environment)
        return configuration
    }

    /// Applies the values of a parsed TOML file.
    /// - Parameters:
    ///   - document: The parsed file (dotted keys: `catalog.shop_id`, `merge.policy.order.field`).
    ///   - file: Its path, for error messages.
    /// - Throws: ``Error`` for an unknown key or a value of the wrong type, naming the file and key.
    public mutating func apply(_ document: TOMLDocument, file: String) throws {
        for (key, value) in document.values.sorted(by: { $0.key < $1.key }) {
            let reader = ValueReader(key: key, value: value, file: file)
            switch key {
            case "catalog.url", "catalog.conninfo":
                catalogConninfo = try reader.string()
                catalogSource = "\(file) \(key)"
            case "catalog.shop_id": shopID = try reader.integer()
            case "catalog.webhook_shop_id": webhookShopID = try reader.integer()
            case "catalog.time_zone": catalogTimeZone = try reader.string()
            case "bitrix.dumps", "bitrix.dump": bitrix.dumps = try reader.strings()
            case "bitrix.feed": bitrix.feed = try reader.strings()
            case "bitrix.iblocks": bitrix.iblocks = try reader.integers()
            case "bitrix.seller_property": bitrix.sellerProperty = try reader.integer()
            case "bitrix.price_group": bitrix.priceGroup = try reader.integer()
            case "bitrix.currency": bitrix.currency = try reader.string()
            case "bitrix.base_url": bitrix.baseURL = try reader.string()
            case "bitrix.site": bitrix.site = try reader.string()
            case "bitrix.time_zone": bitrix.timeZone = try reader.string()
            case "bitrix.snapshot_time": bitrix.snapshotTime = try reader.snapshotTime()
            case "bitrix.read_threads": bitrix.readThreads = Int(try reader.positive())
            case "images.mirror": images.mirror = try reader.string()
            case "images.concurrency": images.concurrency = Int(try reader.integer())
            case "images.batch_size": images.batchSize = Int(try reader.positive())
            case "images.model": images.model = try reader.string()
            case "images.dimensions": images.dimensions = Int(try reader.integer())
            case "images.embedding_service": images.embeddingService = try reader.string()
            case "images.network": images.network = try reader.bool()
            case "images.cache": images.cache = try reader.string()
            case "images.provider": images.provider = try reader.string()
            case "images.vertex_endpoint": images.vertexEndpoint = try reader.string()
            case "report.directory": report.directory = try reader.string()
            case "report.formats": report.formats = try reader.strings()
            case "report.textfile_directory": report.textfileDirectory = try reader.string()
            case "merge.max_soft_delete_share": merge.maxSoftDeleteShare = try reader.share()
            case "merge.max_update_share": merge.maxUpdateShare = try reader.share()
            case "merge.batch_size": merge.batchSize = Int(try reader.positive())
            case "merge.workers": merge.workers = Int(try reader.positive())
            case "merge.lock_timeout_seconds": merge.lockTimeoutSeconds = Int(try reader.positive())
            case "merge.sequence_headroom": merge.sequenceHeadroom = try reader.positive()
            case let shop where shop.hasPrefix("shops."):
                guard let seller = Int64(shop.dropFirst("shops.".count)), seller > 0 else {
                    throw Error("\(file): \(key): a [shops] key is a Bitrix seller id (a positive integer)")
                }
                shopMap[seller] = try reader.positive()
            case let policy where policy.hasPrefix("merge.policy."):
                merge.policy[String(policy.dropFirst("merge.policy.".count))] = try reader.string()
            default:
                throw Error("\(file): unknown key \(key) (see `backstop --help` and README.md § Configuration)")
            }
        }
    }

    /// Applies the environment: `BACKSTOP_CATALOG`, `DATABASE_URL`, libpq's `PG*` variables (which then
    /// replace a connection given in the file), `BACKSTOP_DUMP`, `BACKSTOP_REPORT_DIR`,
    /// `BACKSTOP_IMAGE_MIRROR`.
    /// - Parameter environment: Variable → value; empty values count as unset.
    /// - Throws: ``Error`` naming the variable when its value cannot be read (`BACKSTOP_READ_THREADS` that is
    ///   not a positive integer).
    public mutating func applyEnvironment(_ environment: [String: String]) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]
        if let conninfo = value("BACKSTOP_CATALOG") {
            catalogConninfo = conninfo
            catalogSource = "BACKSTOP_CATALOG"
        } else if let url = value("DATABASE_URL") {
            catalogConninfo = url
            catalogSource = "DATABASE_URL"
        } else if let set = libpqVariables.filter({ value($0) != nil }).nilIfEmpty {
            // libpq reads these itself; an explicit conninfo from the file would override them.
            catalogConninfo = ""
            catalogSource = "environment (\(set.joined(separator: ", ")))"
        }
        if let dump = value("BACKSTOP_DUMP") { bitrix.dumps = dump.split(separator: ":").map(String.init) }
        if let threads = value("BACKSTOP_READ_THREADS") {
            guard let count = Int(threads), count > 0 else {
                throw Error("BACKSTOP_READ_THREADS is not a positive integer")
            }
            bitrix.readThreads = count
        }
        if let directory = value("BACKSTOP_REPORT_DIR") { report.directory = directory }
        if let mirror = value("BACKSTOP_IMAGE_MIRROR") { images.mirror = mirror }
        if let network = value("BACKSTOP_IMAGE_NETWORK") { images.network = ["1", "true", "yes"].contains(network) }
        if let service = value("BACKSTOP_EMBEDDING_SERVICE") { images.embeddingService = service }
        if let shop = value("BACKSTOP_SHOP_ID") {
            guard let id = Int64(shop) else { throw Error("BACKSTOP_SHOP_ID is not an integer") }
            shopID = id
        }
    }

    /// The shop of a single-shop run: the one `--shop` id, else the home shop.
    public var runShopID: Int64 { shops?.single ?? shopID }

    /// Whether any catalog connection was configured (file, environment or flag), as opposed to bare
    /// libpq defaults.
    public var hasConfiguredCatalog: Bool { catalogSource != "libpq defaults" }
}

private struct ValueReader {
    let key: String
    let value: TOMLDocument.Value
    let file: String

    func fail(_ expected: String) -> BackstopConfiguration.Error {
        BackstopConfiguration.Error("\(file): \(key) must be \(expected), found \(value)")
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw fail("a string") }
        return s
    }

    /// A snapshot time in ``SnapshotTime/configuredFormat`` (kept as written; the zone is explicit).
    func snapshotTime() throws -> String {
        let text = try string()
        do { _ = try SnapshotTime.instant(configured: text) } catch {
            throw BackstopConfiguration.Error("\(file): \(key): \(error)")
        }
        return text
    }

    func integer() throws -> Int64 {
        guard case .integer(let i) = value else { throw fail("an integer") }
        return i
    }

    func positive() throws -> Int64 {
        guard case .integer(let i) = value, i > 0 else { throw fail("a positive integer") }
        return i
    }

    func share() throws -> Double {
        let share: Double
        switch value {
        case .float(let d): share = d
        case .integer(let i): share = Double(i)
        default: throw fail("a number between 0 and 1")
        }
        guard share >= 0 && share <= 1 else { throw fail("a number between 0 and 1") }
        return share
    }

    func strings() throws -> [String] {
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            return try items.map {
                guard case .string(let s) = $0 else { throw fail("an array of strings") }
                return s
            }
        default: throw fail("a string or an array of strings")
        }
    }

    func bool() throws -> Bool {
        guard case .boolean(let b) = value else { throw fail("true or false") }
        return b
    }

    func integers() throws -> [Int64] {
        guard case .array(let items) = value else { throw fail("an array of integers") }
        return try items.map {
            guard case .integer(let i) = $0 else { throw fail("an array of integers") }
            return i
        }
    }
}

extension Array {
    fileprivate var nilIfEmpty: Self? { isEmpty ? nil : self }
}
