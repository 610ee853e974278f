import BackstopExtract
import BackstopModel
import Foundation
import Logging

/// Bitrix-side input of a run: every configured dump streamed through the Bitrix model.
///
/// The dump is never loaded whole: rows stream from the reader (on its own thread with
/// `bitrix.read_threads` > 1) into `BitrixModelBuilder`, which keeps only the tables and orders the run
/// needs. Several dumps of one backup are read in turn into one model.
enum BitrixInput {
    /// What the run reads from the dumps.
    struct Snapshot {
        /// The Bitrix model: products, linked orders, sellers, the snapshot time, values not interpreted.
        var model: BitrixSnapshot
        /// The stage's line: dumps, size, rows, entities, problems and the snapshot.
        var summary: String
        /// Whether a dump was truncated and read as far as it goes (`--allow-partial`).
        var partial: Bool
    }

    /// Streams every configured dump (a file, a `--tab` folder, or `-` for standard input) through the
    /// Bitrix model.
    ///
    /// The snapshot time is the latest complete dump's footer; a partial read has none (the model then
    /// falls back to `--snapshot-time` or the newest row). The stop switch is checked every 16 384 rows
    /// and between statements. Values the model could not interpret are logged once at notice (the first
    /// and the count), each at info. From a plain file the basket is read after the orders
    /// (``BitrixModelBuilder/deferredTables``), so only the kept orders' lines are materialised.
    /// - Parameters:
    ///   - configuration: Backstop's configuration (`[bitrix]`: dumps, iblocks, price group, zone, …).
    ///   - scope: Which orders and users the model keeps (the catalog's linked orders, for a run).
    ///   - allowPartial: Read a truncated dump as far as it goes instead of failing.
    ///   - ordersScope: Supplies the scope's orders late (``BitrixModelBuilder/ordersScope``), for a read
    ///     that starts before the catalog's links are known; `nil` when `scope` says it already.
    ///   - catalog: Supplies the catalog's products and shops when the Bitrix products are built: text
    ///     equal on both sides is then held once (``BitrixModelBuilder/catalogProducts``), and products no
    ///     shop of the run can judge and the catalog lacks are not made (``productScope(_:configuration:)``).
    ///   - abandoned: Checked at each safe point: `true` ends the read with `CancellationError` (the run
    ///     it was read for has failed).
    ///   - stop: The run's stop switch.
    ///   - progress: Where the bytes read so far are reported (`extract.dump`).
    ///   - logger: Where the reader and the model log.
    /// - Returns: The model, the stage's line and whether the input was partial.
    /// - Throws: ``PipelineError`` without a dump, `ExtractError` naming the file and byte offset of bad
    ///   input, `DeadlineReached` when stopped.
    static func load(
        configuration: BackstopConfiguration, scope: BitrixModelBuilder.Scope, allowPartial: Bool,
        ordersScope: (() -> BitrixModelBuilder.Scope.Orders)? = nil,
        catalog: (() -> CatalogSide)? = nil, abandoned: () -> Bool = { false },
        stop: StopSwitch = StopSwitch(), progress: ProgressReporter = .ignored, logger: Logger
    ) throws -> Snapshot {
        guard !configuration.bitrix.dumps.isEmpty else {
            throw PipelineError(
                .configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
        }
        // One dump file (standard input cannot be read twice): the products are built as soon as its
        // product tables are done, and the raw tables released before the orders are read. A dump whose
        // product tables do not all come first is read again with the products built at the end.
        let dumps = configuration.bitrix.dumps
        let early = dumps.count == 1 && dumps[0] != "-"
        func read(early: Bool) throws -> Snapshot {
            try load(
                configuration: configuration, scope: scope, allowPartial: allowPartial, ordersScope: ordersScope,
                catalog: catalog, abandoned: abandoned, stop: stop, progress: progress, logger: logger,
                buildsProductsEarly: early)
        }
        do {
            return try read(early: early)
        } catch is ProductRowAfterOrders {
            logger.notice(
                "a product table follows the order tables: reading the dump again, the products built at the end",
                metadata: ["dump.file": "\(dumps[0])"])
            return try read(early: false)
        }
    }

    /// A product-table row came after the products were built early (``BitrixModelBuilder/earlyBuildAbandoned``):
    /// the read is repeated with the products built at the end.
    private struct ProductRowAfterOrders: Error {}

    /// One read of every configured dump into a new model: the public `load`'s work, with or without the
    /// early product build.
    /// - Parameters:
    ///   - configuration: Backstop's configuration.
    ///   - scope: Which orders and users the model keeps.
    ///   - allowPartial: Read a truncated dump as far as it goes instead of failing.
    ///   - ordersScope: Supplies the scope's orders late, or `nil`.
    ///   - catalog: Supplies the catalog's products and shops when the products are built, or `nil`.
    ///   - abandoned: Checked at each safe point: `true` ends the read with `CancellationError`.
    ///   - stop: The run's stop switch.
    ///   - progress: Where the bytes read so far are reported.
    ///   - logger: Where the reader and the model log.
    ///   - buildsProductsEarly: ``BitrixModelBuilder/buildsProductsEarly``; the read throws
    ///     ``ProductRowAfterOrders`` as soon as a product-table row arrives after that build.
    /// - Returns: The model, the stage's line and whether the input was partial.
    /// - Throws: What the public `load` throws, and ``ProductRowAfterOrders``.
    private static func load(
        configuration: BackstopConfiguration, scope: BitrixModelBuilder.Scope, allowPartial: Bool,
        ordersScope: (() -> BitrixModelBuilder.Scope.Orders)?, catalog: (() -> CatalogSide)?,
        abandoned: () -> Bool, stop: StopSwitch, progress: ProgressReporter, logger: Logger,
        buildsProductsEarly: Bool
    ) throws -> Snapshot {
        let builder = BitrixModelBuilder(
            configuration: bitrixConfiguration(configuration), scope: scope, logger: logger)
        builder.buildsProductsEarly = buildsProductsEarly
        builder.ordersScope = ordersScope
        if let catalog {
            builder.catalogProducts = { catalog().products }
            builder.productsScope = { productScope(catalog(), configuration: configuration) }
        }
        var completedAt: String?
        var partial = false
        var rows = 0
        var bytes: Int64 = 0
        for path in configuration.bitrix.dumps {
            let url = URL(fileURLWithPath: path)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
            bytes += size
            let readAhead = configuration.bitrix.readThreads > 1
            var readerOptions = DumpReader.Options(
                tables: BitrixModelBuilder.tables, allowPartial: allowPartial, readAhead: readAhead)
            // Basket lines after their orders: only the lines of the orders kept are materialised.
            if case .linked = scope.orders { readerOptions.deferredTables = BitrixModelBuilder.deferredTables }
            // Lines and property values of orders not kept are skimmed by the reader, never materialised.
            let filter = builder.rowFilter()
            readerOptions.rowFilter = filter
            // `-`: standard input (`mysqldump … | backstop diff --dump -`).
            let stream: any DumpEventStream
            if path == "-" {
                let reader = DumpReader(
                    source: try FileByteSource.openDump(path: "-"), options: readerOptions, logger: logger)
                stream = readAhead ? ReadAheadDumpStream(reader) : reader
            } else {
                stream = try DumpReader.open(url, options: readerOptions, logger: logger)
            }
            func bytesRead() -> Int64? {
                (stream as? DumpReader)?.bytesRead ?? (stream as? ReadAheadDumpStream)?.bytesRead
            }
            // The bar counts decompressed bytes: a share of the file size only for plain dumps.
            let compressed = path == "-" || [".gz", ".zst", ".zstd"].contains { path.hasSuffix($0) }
            let bar = progress.start("extract.dump", total: compressed ? nil : size, unit: .bytes)
            defer { bar.finish() }
            // The rows the filter skimmed count as read (the summary's count does not depend on it).
            defer { rows += filter.dropped }
            while let event = try stream.next() {
                switch event {
                case .row(let row):
                    builder.consume(row)
                    rows += 1
                    if rows & 0x3FFF == 0 || rows == 1 {
                        if let bytes = bytesRead() { bar.update(bytes) }
                        if abandoned() { throw CancellationError() }
                        if builder.earlyBuildAbandoned { throw ProductRowAfterOrders() }
                        if stop.safePoint("extract.dump") {
                            throw DeadlineReached(
                                stage: "extract.dump", progress: "\(rows) rows read", reason: stop.reason)
                        }
                    }
                case .end(.complete):
                    if let bytes = bytesRead() { bar.update(bytes) }
                    // Several dumps of one backup: the latest footer is the snapshot.
                    if let time = stream.completedAt, time > (completedAt ?? "") { completedAt = time }
                case .end(.partial(let reason)):
                    partial = true
                    logger.warning("dump is partial", metadata: ["dump.file": "\(path)", "dump.reason": "\(reason)"])
                default:
                    // An order-side table after the product tables: the products are built while the
                    // reader reaches its rows.
                    if case .table(let schema) = event { builder.noteTableStart(schema.name) }
                    if abandoned() { throw CancellationError() }
                    if stop.isStopped {
                        throw DeadlineReached(stage: "extract.dump", progress: "\(rows) rows read", reason: stop.reason)
                    }
                }
            }
        }
        // A dump without `b_sale_order` never asked: the read still ends after the catalog's.
        if let supply = builder.ordersScope { _ = supply() }
        if abandoned() { throw CancellationError() }
        if builder.earlyBuildAbandoned { throw ProductRowAfterOrders() }
        let model = builder.finish(completedAt: partial ? nil : completedAt)
        for problem in model.problems {
            logger.info("bitrix value not interpreted", metadata: ["problem": "\(problem)"])
        }
        if !model.problems.isEmpty {
            logger.notice(
                "bitrix values not interpreted (see --log-level info)",
                metadata: ["problems": "\(model.problems.count)", "first": "\(model.problems[0])"])
        }
        let summary =
            "\(configuration.bitrix.dumps.count) dump(s), \(bytes / 1024) KiB, \(rows) rows read: "
            + "\(model.products.count + model.productsOutOfScope) products, \(model.orders.count) orders, \(model.users.count) users, "
            + "\(model.problems.count) problems; snapshot \(model.snapshot.explanation)"
            + (partial ? " (PARTIAL: the dump is truncated)" : "")
        return Snapshot(model: model, summary: summary, partial: partial)
    }

    /// What the Bitrix model takes from the catalog snapshot of the run.
    struct CatalogSide {
        /// The catalog's products (every shop, in id order).
        var products: [CanonicalProduct]
        /// The catalog's shop ids.
        var shops: [Int64]

        /// The side of a catalog snapshot.
        init(_ catalog: CatalogInput.Snapshot) {
            products = catalog.products
            shops = catalog.shops.map(\.id)
        }

        /// A side with nothing (the catalog was not read).
        init() {
            products = []
            shops = []
        }
    }

    /// The Bitrix side that goes with a catalog snapshot: the `overlapped` read's outcome when one was started
    /// beside the catalog's, else a read of every configured dump now, keeping the orders the catalog links.
    /// - Parameters:
    ///   - overlapped: The read started before the catalog's (`bitrix.read_threads` > 1), or `nil`.
    ///   - catalog: The catalog snapshot (its linked orders and products scope the serial read).
    ///   - configuration: Backstop's configuration (dumps, charset, shops).
    ///   - allowPartial: Whether a truncated dump is read up to its last whole statement.
    ///   - stop: The run's switch.
    ///   - progress: Where the serial read reports its bytes.
    ///   - logger: Where the read logs.
    /// - Returns: The Bitrix model and the read's summary.
    /// - Throws: ``PipelineError``, `ExtractError` or the dump reader's error when the read fails.
    static func snapshot(
        after overlapped: OverlappedDumpRead?, catalog: CatalogInput.Snapshot, configuration: BackstopConfiguration,
        allowPartial: Bool, stop: StopSwitch, progress: ProgressReporter, logger: Logger
    ) throws -> Snapshot {
        if let overlapped { return try overlapped.wait() }
        let scope = BitrixModelBuilder.Scope(
            orders: .linked(referencedBitrixIDs: catalog.referencedBitrixOrders), users: false)
        return try load(
            configuration: configuration, scope: scope, allowPartial: allowPartial,
            catalog: { CatalogSide(catalog) }, stop: stop, progress: progress, logger: logger)
    }

    /// The products a run can compare (``ProductScope``): the catalog's, and those of the shops any run of
    /// this configuration may judge: the catalog's shops (`--shop all` picks among them), the configured
    /// ones and the home shop, sellers mapped through `[shops]`.
    /// - Parameters:
    ///   - catalog: The catalog's products and shops.
    ///   - configuration: Backstop's configuration (shops, home shop, shop map).
    /// - Returns: The scope the Bitrix model builds products in.
    static func productScope(_ catalog: CatalogSide, configuration: BackstopConfiguration) -> ProductScope {
        var shops = Set(catalog.shops)
        shops.insert(configuration.shopID)
        shops.insert(configuration.runShopID)
        if case .ids(let ids) = configuration.shops { shops.formUnion(ids) }
        return ProductScope(
            catalogIDs: IDSet(catalog.products.map(\.id)), shops: shops, shopMap: configuration.shopMap)
    }

    /// The Bitrix model's configuration from Backstop's: iblocks, the seller property, the home shop, the
    /// base price group and currency, the site, its time zone and a configured snapshot time (as site
    /// wall-clock text, the form the dump's columns carry).
    /// - Parameter configuration: Backstop's configuration.
    /// - Returns: The model's configuration.
    static func bitrixConfiguration(_ configuration: BackstopConfiguration) -> BitrixConfiguration {
        var bitrix = BitrixConfiguration()
        bitrix.catalogIblockIDs = Set(configuration.bitrix.iblocks)
        bitrix.sellerPropertyID = configuration.bitrix.sellerProperty
        bitrix.productionShopID = configuration.shopID
        bitrix.defaultBasePriceGroupID = configuration.bitrix.priceGroup
        bitrix.baseCurrency = configuration.bitrix.currency
        bitrix.baseURL = configuration.bitrix.baseURL
        bitrix.siteID = configuration.bitrix.site
        if let zone = TimeZone(identifier: configuration.bitrix.timeZone) { bitrix.timeZone = zone }
        // Validated (with its zone) when the configuration was read; the model compares site wall-clock text.
        bitrix.snapshotTime = configuration.bitrix.snapshotTime.flatMap {
            try? SnapshotTime.siteText(configured: $0, siteTimeZone: bitrix.timeZone)
        }
        return bitrix
    }
}

/// The dump read on a thread of its own while the run reads the catalog on its connection: the dump's
/// earlier tables (elements, properties, prices, files, the basket's skip) are parsed meanwhile, and the
/// read waits for the catalog's links only at the first `b_sale_order` row. The events reach the Bitrix
/// model in the same order as a read after the catalog's, so the model is the same.
final class OverlappedDumpRead: @unchecked Sendable {  // every mutable field is guarded by `condition`
    private let condition = NSCondition()
    /// The catalog's links once read; `nil` before.
    private var links: Set<Int64>?
    /// The catalog's products and shops, handed over with the links.
    private var side = BitrixInput.CatalogSide()
    /// Set when the catalog read failed or stopped: the dump read ends at its next safe point.
    private var cancelled = false
    private var outcome: Result<BitrixInput.Snapshot, any Error>?

    /// Starts reading the configured dumps, keeping the orders the catalog will link (``provide(links:)``).
    init(
        configuration: BackstopConfiguration, allowPartial: Bool, stop: StopSwitch,
        progress: ProgressReporter = .ignored, logger: Logger
    ) {
        let box = UncheckedBox((configuration, logger))
        let thread = Thread { [self] in
            let (configuration, logger) = box.value
            let result = Result { () throws -> BitrixInput.Snapshot in
                try BitrixInput.load(
                    configuration: configuration,
                    scope: .init(orders: .linked(referencedBitrixIDs: []), users: false),
                    allowPartial: allowPartial, ordersScope: { .linked(referencedBitrixIDs: self.waitForLinks()) },
                    catalog: { self.catalogSide() },
                    abandoned: { self.isCancelled }, stop: stop, progress: progress, logger: logger)
            }
            condition.withLock {
                outcome = result
                condition.broadcast()
            }
        }
        thread.name = "backstop-dump"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Hands the catalog snapshot to the dump read: its links (`bitrix_order_id`) say which orders are
    /// kept, its products and shops which Bitrix products are made and which strings they share (the
    /// same findings either way, in less memory). `nil` when the catalog was not read: the dump read is
    /// then abandoned.
    func provide(_ catalog: CatalogInput.Snapshot?) {
        condition.withLock {
            if let catalog {
                links = catalog.referencedBitrixOrders
                side = BitrixInput.CatalogSide(catalog)
            } else {
                cancelled = true
            }
            condition.broadcast()
        }
    }

    /// The read model, once the dump is read; its error when it failed or stopped.
    func wait() throws -> BitrixInput.Snapshot {
        let result = condition.withLock { () -> Result<BitrixInput.Snapshot, any Error> in
            while true {
                if let outcome { return outcome }
                condition.wait()
            }
        }
        return try result.get()
    }

    /// Abandons the read and waits for its thread to end (the run failed before it was needed).
    func abandon() {
        provide(nil)
        _ = try? wait()
    }

    private var isCancelled: Bool { condition.withLock { cancelled } }

    /// The catalog's products and shops, once handed over (empty when the read was abandoned).
    private func catalogSide() -> BitrixInput.CatalogSide {
        condition.withLock {
            while links == nil && !cancelled { condition.wait() }
            return side
        }
    }

    private func waitForLinks() -> Set<Int64> {
        condition.withLock {
            while links == nil && !cancelled { condition.wait() }
            return links ?? []
        }
    }
}

/// A value handed to another thread that alone uses it from then on.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
