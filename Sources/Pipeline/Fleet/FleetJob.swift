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
///
/// The shops run one after another on one connection, each under its own lock (all taken before the first
/// run is recorded, released at the end), so a fleet and a single-shop run of one of its shops never
/// overlap. Reading once matters: the dump and the catalog are the expensive part, and every shop's run
/// then compares the same snapshot. With `--partition K/N` only the K-th of N shares of the shops (weighed
/// by their rows) runs, for N workers in parallel.
public struct FleetJob {
    /// The run kind (`nightly`, `diff`).
    public var kind: String
    /// The configuration (flags applied; `BackstopConfiguration/shops` is the selection).
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
        /// The connection every shop's run uses (it holds the shops' locks).
        var connection: PGConnection
        /// The catalog, every shop, one snapshot.
        var catalog: CatalogInput.Snapshot
        /// The catalog read's stage line, quoted in each shop's `extract.catalog` line.
        var catalogSummary: String
        /// The Bitrix model, seller ids mapped to catalog shop ids.
        var bitrix: BitrixSnapshot
        /// The dump read's stage line.
        var bitrixSummary: String
        /// Whether the dump was read partially.
        var partial: Bool
        /// The selected shops, the sellers and the out-of-scope shops.
        var scope: FleetScope
        /// `K/N` when the run is one partition of a fleet.
        var partition: String?
        /// The shops' reconciliations made ahead on a second thread (more than one read thread); `nil`
        /// reconciles each shop in its own run.
        var reconciliations: FleetReconciliations?
        /// The shops' report folders written on a thread of their own (more than one read thread); `nil`
        /// writes each in its shop's run.
        var writer: FleetWriter?
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

    /// A fleet run ready to start; nothing is read or connected until ``run()``.
    /// - Parameters:
    ///   - kind: `nightly` or `diff`.
    ///   - configuration: The configuration with the flags applied; its `shops` is the selection.
    ///   - allowPartial: Read a truncated dump as far as it goes.
    ///   - formats: The report formats of each shop's folder.
    ///   - arguments: The command line, recorded in each shop's run.
    ///   - logger: Where the job logs.
    ///   - version: Backstop's version.
    ///   - outputDirectory: `--out`.
    ///   - apply: `--apply`: each shop's plan is applied in its run.
    ///   - maxSeconds: The time limit of the whole fleet run.
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
    /// In order: check the schema and the selection against the catalog's `shop` table, read the catalog
    /// and the dump once, resolve the shops (and the partition), take every selected shop's lock (or return
    /// `locked` having recorded nothing), run each shop as a ``RunJob`` on the shared input, write the
    /// fleet page. A shop's drift or refusal does not stop the next shop; a thrown error does.
    ///
    /// - Returns: The worst shop's status, each shop's result and the page's path.
    /// - Throws: ``PipelineError`` (`shopSelection` for a `--shop` id the catalog lacks, `connection`,
    ///   `runFailed`), `StoreError` when Backstop's schema is missing.
    public func run() throws -> Result {
        let connection = try RunSession.connect(configuration, logger: logger)
        let catalogShops = try FleetScope.catalogShops(connection)
        try FleetScope.validate(configuration.shops, against: catalogShops)
        guard !configuration.bitrix.dumps.isEmpty else {
            throw PipelineError(
                .configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
        }
        let stop = stopSwitch ?? StopSwitch(deadline: Deadline(seconds: maxSeconds))
        var shared = try readOnce(connection, catalogShops: catalogShops, stop: stop)
        // The shops' locks, once the selection is known (before any run is recorded).
        let selected = shared.scope.selected
        guard try RunLock.tryAcquire(shops: selected, on: connection) else {
            let locked = RunSession.locked(shops: selected, on: connection, logger: logger)
            return Result(status: .locked, shops: [], outOfScope: [], lockHolder: locked.lockHolder)
        }
        defer { RunLock.release(shops: selected, on: connection) }
        shared.reconciliations = reconcileAhead(shared, stop: stop)
        defer { shared.reconciliations?.cancel() }
        var results: [(shop: Int64, result: RunResult)] = []
        if configuration.bitrix.readThreads > 1, selected.count > 1 { shared.writer = FleetWriter() }
        for shop in selected {
            do {
                results.append((shop, try job(for: shop, shared: shared, stop: stop).run()))
            } catch {
                // The folders queued so far are written before the error ends the fleet.
                try? shared.writer?.finish()
                throw error
            }
        }
        try shared.writer?.finish()
        let status = results.map(\.result.status).max { Self.severity($0) < Self.severity($1) } ?? .clean
        let page = try writePage(results, outOfScope: shared.scope.outOfScope, catalogShops: catalogShops)
        return Result(status: status, shops: results, outOfScope: shared.scope.outOfScope, page: page)
    }

    /// How bad an exit status is, to pick the fleet's: a failure or refusal outranks drift, drift outranks
    /// clean.
    /// - Parameter status: A shop's exit status.
    /// - Returns: A rank; the highest is the fleet's status.
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
