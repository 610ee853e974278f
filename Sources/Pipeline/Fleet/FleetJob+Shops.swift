import BackstopExtract
import BackstopModel
import BackstopPostgres
import BackstopReconcile
import BackstopReport
import Foundation
import Logging

/// The parts of a fleet run around its shops' runs: the one read of each side, each shop's ``RunJob`` on
/// it, and the fleet page.
extension FleetJob {
    /// Reads the catalog (every shop, one snapshot) and the dump once for every shop, and resolves the shops
    /// of this run (the selection, or the partition's share of it, weighed by rows).
    ///
    /// With more than one read thread the dump is read while the catalog is, as in a one-shop run.
    /// - Parameters:
    ///   - connection: The fleet's connection (its shops' runs use it too).
    ///   - catalogShops: The catalog's `shop` table.
    ///   - stop: The run's switch, which stops the reads too.
    /// - Returns: What every shop's run reads.
    /// - Throws: ``PipelineError``, `PGError` or the dump reader's error when a read fails.
    func readOnce(_ connection: PGConnection, catalogShops: [FleetScope.Shop], stop: StopSwitch) throws -> Shared {
        let overlapped =
            configuration.bitrix.readThreads > 1
            ? OverlappedDumpRead(
                configuration: configuration, allowPartial: allowPartial, stop: stop, progress: progress, logger: logger
            )
            : nil
        defer { overlapped?.abandon() }
        let catalog = try CatalogInput.load(
            connection: connection, shopID: nil, stop: stop, progress: progress, logger: logger)
        overlapped?.provide(catalog)
        let read = try BitrixInput.snapshot(
            after: overlapped, catalog: catalog, configuration: configuration, allowPartial: allowPartial, stop: stop,
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
        return Shared(
            connection: connection, catalog: catalog, catalogSummary: catalog.summary, bitrix: bitrix,
            bitrixSummary: read.summary, partial: read.partial, scope: scope,
            partition: configuration.partition?.description)
    }

    /// Starts every selected shop's reconciliation on a thread of its own (``FleetReconciliations``), in
    /// shop order, when the configuration allows more than one thread; `nil` otherwise (each shop's run
    /// then reconciles in its `reconcile` stage, as a one-thread run does everything on one thread).
    /// - Parameters:
    ///   - shared: What the fleet read once.
    ///   - stop: The fleet's switch: once thrown, no further shop is reconciled ahead.
    /// - Returns: The reconciliations in progress, or `nil`.
    func reconcileAhead(_ shared: Shared, stop: StopSwitch) -> FleetReconciliations? {
        guard configuration.bitrix.readThreads > 1, shared.scope.selected.count > 1 else { return nil }
        let input = ReconcileInput(
            bitrix: shared.bitrix, catalogProducts: shared.catalog.products, catalogOrders: shared.catalog.orders,
            productSequence: shared.catalog.productSequence, partial: shared.partial)
        let jobs = shared.scope.selected.map { ($0, job(for: $0, shared: shared, stop: stop)) }
        let shops = jobs.map { shop, job in (shop, job.reconcileConfiguration(sellers: shared.scope.sellers)) }
        return FleetReconciliations(
            shops: shops, input: input, latency: jobs[0].1.syncLatency, stop: stop)
    }

    /// One shop's run: a ``RunJob`` of exactly that shop on the shared input, sharing the fleet's switch and
    /// progress, its reports in `<out>/<shop>/` with `--out`.
    /// - Parameters:
    ///   - shop: The shop's catalog id.
    ///   - shared: What the fleet read once.
    ///   - stop: The fleet's switch.
    /// - Returns: The shop's job, ready to run.
    func job(for shop: Int64, shared: Shared, stop: StopSwitch) -> RunJob {
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
        return job
    }

    /// Writes the fleet page: each shop's run, status, findings by kind and report link, and the shops left
    /// out. It goes to `<out>/index.html`, or to `<report dir>/<first run>-<kind>-fleet/`.
    /// - Parameters:
    ///   - results: Each shop's run, in shop order.
    ///   - outOfScope: The catalog shops that are not Bitrix sellers.
    ///   - catalogShops: The catalog's `shop` table (the shops' names).
    /// - Returns: The page's path.
    /// - Throws: `ReportError` when the page cannot be written.
    func writePage(
        _ results: [(shop: Int64, result: RunResult)], outOfScope: [FleetScope.Shop], catalogShops: [FleetScope.Shop]
    ) throws -> URL {
        let folder =
            outputDirectory
            ?? URL(fileURLWithPath: configuration.report.directory).appendingPathComponent(
                String(format: "%06lld-%@-fleet", results.first?.result.run?.id ?? 0, kind))
        return try FleetPage(
            kind: kind,
            shops: results.map { shop, result in
                FleetPage.Shop(
                    id: shop, name: catalogShops.first { $0.id == shop }?.name ?? "",
                    runID: result.run?.id, status: result.run?.status.rawValue ?? "", kinds: result.kinds,
                    newCount: result.newCount,
                    report: result.reportDirectory.map { FleetPage.relativeLink(from: folder, to: $0) })
            },
            outOfScope: outOfScope.map { ($0.id, $0.name) }, generator: "backstop \(version)"
        ).write(to: folder)
    }
}
