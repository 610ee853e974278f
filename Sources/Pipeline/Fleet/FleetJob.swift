import BackstopExtract
public import BackstopModel
import BackstopPostgres
public import BackstopReport
import BackstopStore
public import Foundation
public import Logging

/// A run of several shops (`--shop all` or a list): one read of the catalog and one of the dump serve every
/// shop; then each shop gets its own run (ledger row, findings, plan, history, report folder), exactly as a
/// `--shop X` run would make it, and the fleet page (`index.html`) lists them.
public struct FleetJob {
    /// The run kind (`nightly`, `diff`).
    public var kind: String
    /// The configuration (flags applied; ``BackstopConfiguration/shops`` is the selection).
    public var configuration: BackstopConfiguration
    /// Read a truncated dump as far as it goes.
    public var allowPartial: Bool
    /// The report formats of each shop's folder.
    public var formats: [any ReportFormat]
    /// The command line, for the ledger.
    public var arguments: [String]
    /// Where the job logs.
    public var logger: Logger
    /// Backstop's version.
    public var version: String
    /// `--out`: each shop's reports go to `<out>/<shop>/`, the fleet page to `<out>/index.html`; without it,
    /// each shop's run has its usual folder and the fleet page goes to `<report dir>/<first run>-<kind>-fleet/`.
    public var outputDirectory: URL?
    /// Apply each shop's plan in its run (`nightly --apply`); one shop's refusal never blocks another's.
    public var apply: RunJob.ApplySettings?
    /// The time limit.
    public var maxSeconds: Double?
    /// The run's stop switch (the CLI's, thrown by signals); `nil` makes one from ``maxSeconds``. Every
    /// shop's run shares it: a stop ends the shop in progress at a safe point and starts no other.
    public var stopSwitch: StopSwitch?
    /// Where the reads and each shop's stages report progress (the CLI's bar); ignored by default.
    public var progress: ProgressReporter = .ignored

    /// What the fleet run reads once and hands to each shop's run.
    struct Shared {
        var connection: PGConnection
        var catalog: CatalogInput.Snapshot
        var catalogSummary: String
        var bitrix: BitrixSnapshot
        var bitrixSummary: String
        var partial: Bool
        var scope: FleetScope
        /// `K/N` when the run is one partition of a fleet.
        var partition: String?
    }

    /// How a fleet run ended.
    public struct Result: Sendable {
        /// The worst shop's exit status (`locked` when nothing ran).
        public var status: ExitStatus
        /// Each shop's run, in shop order.
        public var shops: [(shop: Int64, result: RunResult)]
        /// Catalog shops left out because they are not Bitrix sellers.
        public var outOfScope: [FleetScope.Shop]
        /// The fleet page, when written.
        public var page: URL?
        /// For `locked`: who holds the lock.
        public var lockHolder: String?
    }

    /// Creates a job.
    public init(
        kind: String, configuration: BackstopConfiguration, allowPartial: Bool, formats: [any ReportFormat],
        arguments: [String], logger: Logger, version: String, outputDirectory: URL? = nil,
        apply: RunJob.ApplySettings? = nil, maxSeconds: Double? = nil
    ) {
        self.kind = kind
        self.configuration = configuration
        self.allowPartial = allowPartial
        self.formats = formats
        self.arguments = arguments
        self.logger = logger
        self.version = version
        self.outputDirectory = outputDirectory
        self.apply = apply
        self.maxSeconds = maxSeconds
    }

    /// Runs every selected shop.
    ///
    /// - Throws: ``PipelineError`` (`shopSelection` for a `--shop` id the catalog lacks, `connection`,
    ///   `runFailed`), ``StoreError`` when Backstop's schema is missing.
    public func run() throws -> Result {
        let schema = try BackstopSchema.locate()
        let connection = try CatalogInput.connect(configuration, logger: logger)
        try schema.requireCurrent(on: connection)
        let catalogShops = try FleetScope.catalogShops(connection)
        try FleetScope.validate(configuration.shops, against: catalogShops)
        guard !configuration.bitrix.dumps.isEmpty else {
            throw PipelineError(
                .configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
        }

        // One read of each side for every shop.
        let stop = stopSwitch ?? StopSwitch(deadline: Deadline(seconds: maxSeconds))
        let catalog = try CatalogInput.load(
            connection: connection, shopID: nil, stop: stop, progress: progress, logger: logger)
        let scopeOfOrders = BitrixModelBuilder.Scope(
            orders: .linked(referencedBitrixIDs: catalog.referencedBitrixOrders), users: false)
        let read = try BitrixInput.load(
            configuration: configuration, scope: scopeOfOrders, allowPartial: allowPartial, stop: stop,
            progress: progress, logger: logger)
        let bitrix = FleetScope.mapped(read.model, configuration.shopMap)
        let scope = FleetScope.resolve(
            configuration.shops, home: configuration.shopID, shops: catalogShops, bitrixSellers: bitrix.sellerIDs,
            shopMap: configuration.shopMap, partition: configuration.partition, weights: FleetScope.weights(catalog))
        logger.notice(
            "fleet run",
            metadata: [
                "fleet.shops": "\(scope.selected.map(String.init).joined(separator: ","))",
                "fleet.partition": "\(configuration.partition?.description ?? "-")",
                "fleet.out_of_scope": "\(scope.outOfScope.map { String($0.id) }.joined(separator: ","))",
            ])
        // The shops' locks, once the selection is known (before any run is recorded).
        guard try RunLock.tryAcquire(shops: scope.selected, on: connection) else {
            let locked = RunJob.locked(shops: scope.selected, on: connection, logger: logger)
            return Result(status: .locked, shops: [], outOfScope: [], lockHolder: locked.lockHolder)
        }
        defer { RunLock.release(shops: scope.selected, on: connection) }
        let shared = Shared(
            connection: connection, catalog: catalog, catalogSummary: catalog.summary, bitrix: bitrix,
            bitrixSummary: read.summary, partial: read.partial, scope: scope,
            partition: configuration.partition?.description)

        var results: [(shop: Int64, result: RunResult)] = []
        for shop in scope.selected {
            var shopConfiguration = configuration
            shopConfiguration.shops = .ids([shop])
            var job = RunJob(
                kind: kind, configuration: shopConfiguration, allowPartial: allowPartial, formats: formats,
                arguments: arguments, logger: logger, version: version,
                outputDirectory: outputDirectory?.appendingPathComponent(String(shop)), apply: apply,
                maxSeconds: maxSeconds)
            job.shared = shared
            job.stopSwitch = stop
            job.progress = progress
            results.append((shop, try job.run()))
        }
        let status = results.map(\.result.status).max { Self.severity($0) < Self.severity($1) } ?? .clean
        let folder =
            outputDirectory
            ?? URL(fileURLWithPath: configuration.report.directory).appendingPathComponent(
                String(format: "%06lld-%@-fleet", results.first?.result.run?.id ?? 0, kind))
        let page = try FleetPage(
            kind: kind,
            shops: results.map { shop, result in
                FleetPage.Shop(
                    id: shop, name: catalogShops.first { $0.id == shop }?.name ?? "",
                    runID: result.run?.id, status: result.run?.status.rawValue ?? "", kinds: result.kinds,
                    newCount: result.newCount,
                    report: result.reportDirectory.map { FleetPage.relativeLink(from: folder, to: $0) })
            },
            outOfScope: scope.outOfScope.map { ($0.id, $0.name) }, generator: "backstop \(version)"
        ).write(to: folder)
        return Result(status: status, shops: results, outOfScope: scope.outOfScope, page: page)
    }

    /// How bad an exit status is, to pick the fleet's: a failure or refusal outranks drift, drift outranks
    /// clean.
    static func severity(_ status: ExitStatus) -> Int {
        switch status {
        case .clean: 0
        case .drift: 1
        case .partial: 2
        case .timedOut: 3
        case .refused: 4
        case .locked: 5
        case .usage: 6
        case .failure: 7
        default: 8  // stopped by a signal
        }
    }
}
