import BackstopExtract
import BackstopMerge
import BackstopIndex
public import BackstopModel
import BackstopPostgres
import BackstopReconcile
public import BackstopReport
import BackstopStore
public import Foundation
public import Logging

/// The nightly (and `diff`) job: Extract → Reconcile → Index → Report, recorded in backstop.run.
/// The only composition point of the stages; each stage is a library call.
///
/// The job holds the run lock of its shop for its whole length, records its run in the ledger before any
/// stage starts (so even a crash leaves a row that the next run marks `abandoned`), and ends every run in
/// the ledger with a report: completed, stopped (time limit, signal: partial but valid) or failed (the
/// report names the failed stage). It prints nothing; the CLI renders the ``RunResult``.
///
/// ```swift
/// var job = RunJob(
///     kind: "nightly", configuration: configuration, allowPartial: false,
///     formats: [HTMLReportFormat(), MarkdownReportFormat(), JSONReportFormat()],
///     arguments: CommandLine.arguments, logger: logger, version: "0.3.0", maxSeconds: 3600)
/// job.stopSwitch = stopSwitch  // SIGTERM/SIGINT/SIGHUP stop the run at a safe point
/// let result = try job.run()   // result.status: clean 0, drift 2, partial 3, refused 4, …
/// ```
public struct RunJob {
    /// The run kind recorded in the ledger and used in the report folder's name (`nightly`, `diff`).
    public var kind: String
    /// The configuration (flags already applied).
    public var configuration: BackstopConfiguration
    /// Whether a truncated dump is read as far as it goes (the run is then partial) instead of failing.
    public var allowPartial: Bool
    /// The report formats to write.
    public var formats: [any ReportFormat]
    /// The command line, for the ledger.
    public var arguments: [String]
    /// Where the job logs.
    public var logger: Logger
    /// Backstop's version, for the ledger.
    public var version: String
    /// Write the reports into exactly this folder (`--out`) instead of `<report dir>/<run>-<kind>/`.
    public var outputDirectory: URL?
    /// Apply the run's merge plan in the same run (`nightly --apply`); `nil` only plans.
    public var apply: ApplySettings?
    /// The time limit (`--max-seconds`): past it the run stops with a partial but valid report.
    public var maxSeconds: Double?
    /// Inputs a fleet run read once for all its shops (``FleetJob``); `nil` reads them here.
    var shared: FleetJob.Shared?
    /// The run's stop switch (the CLI's, thrown by SIGTERM/SIGINT/SIGHUP); `nil` makes one from
    /// ``maxSeconds``.
    public var stopSwitch: StopSwitch?
    /// Where the stages report progress (the CLI's bar); ignored by default.
    public var progress: ProgressReporter = .ignored

    /// The reconciliation's configuration, from Backstop's: this run's shop, attributed within the fleet.
    /// - Parameter sellers: The Bitrix sellers that are catalog shops of the fleet, so a finding about
    ///   another migrated seller's row is attributed to that shop, not to this run's.
    /// - Returns: The configuration `Reconciler` runs with.
    func reconcileConfiguration(sellers: [Int64]) -> ReconcileConfiguration {
        var reconcile = ReconcileConfiguration(shopID: configuration.shopID, webhookShopID: configuration.webhookShopID)
        reconcile.shops = [configuration.runShopID]
        reconcile.sellerShops = Set(sellers)
        return reconcile
    }

    /// A job ready to run; nothing is read or connected until ``run()``.
    /// - Parameters:
    ///   - kind: `nightly` (with the index stage) or `diff` (without).
    ///   - configuration: The configuration with the flags applied.
    ///   - allowPartial: Read a truncated dump as far as it goes (the run is then `partial`, exit 3).
    ///   - formats: The report formats to write.
    ///   - arguments: The command line, recorded redacted in the ledger.
    ///   - logger: Where the job logs (the stages log through it too).
    ///   - version: Backstop's version, for the ledger and the report's generator.
    ///   - outputDirectory: `--out`: write the reports exactly here.
    ///   - apply: `--apply`: apply the run's merge plan in the same run.
    ///   - maxSeconds: `--max-seconds`: the time limit, when ``stopSwitch`` is not given.
    public init(
        kind: String, configuration: BackstopConfiguration, allowPartial: Bool, formats: [any ReportFormat],
        arguments: [String], logger: Logger, version: String, outputDirectory: URL? = nil, apply: ApplySettings? = nil,
        maxSeconds: Double? = nil
    ) {
        self.outputDirectory = outputDirectory
        self.maxSeconds = maxSeconds
        self.apply = apply
        self.kind = kind
        self.configuration = configuration
        self.allowPartial = allowPartial
        self.formats = formats
        self.arguments = arguments
        self.logger = logger
        self.version = version
    }

    /// Runs the job and returns how it ended (the exit status for the scheduler, the run and its report):
    /// extract.catalog → extract.dump → reconcile → plan → index (nightly) → apply (`--apply`), on one
    /// ``StageRunner``, then the ledger and the report. With more than one read thread the dump is read
    /// while the catalog is (``OverlappedDumpRead``); the stages are still recorded in that order.
    ///
    /// - Throws: ``PipelineError`` when the catalog is unreachable or the run fails (the failed run is
    ///   recorded and its report written first; ``PipelineError/underlyingError`` is the stage's error);
    ///   `StoreError` or `PGError` when Backstop's schema is missing or not current.
    public func run() throws -> RunResult {
        let stop = stopSwitch ?? StopSwitch(deadline: Deadline(seconds: maxSeconds))
        let schema = try BackstopSchema.locate()
        _ = try mergePolicy()
        let connection = try shared?.connection ?? CatalogInput.connect(configuration, logger: logger)
        if shared == nil {
            try schema.requireCurrent(on: connection)
            if configuration.shops != nil {
                try FleetScope.validate(configuration.shops, against: FleetScope.catalogShops(connection))
            }
            guard try RunLock.tryAcquire(shops: [configuration.runShopID], on: connection) else {
                return Self.locked(shops: [configuration.runShopID], on: connection, logger: logger)
            }
        }
        defer { if shared == nil { RunLock.release(shops: [configuration.runShopID], on: connection) } }

        var inputs: [String: String] = ["catalog": connection.endpoint, "shop_id": String(configuration.runShopID)]
        for (i, dump) in configuration.bitrix.dumps.enumerated() { inputs["dump\(i == 0 ? "" : String(i + 1))"] = dump }
        let session = try RunSession(
            kind: kind, dryRun: apply == nil, inputs: inputs, arguments: arguments, version: version,
            connection: connection, configuration: configuration, logger: logger
        ) { run in
            outputDirectory
                ?? URL(fileURLWithPath: configuration.report.directory)
                .appendingPathComponent(String(format: "%06lld-%@", run.id, kind))
        }
        let run = session.run
        try session.ledger.recordScope(of: run, shops: [configuration.runShopID], partition: shared?.partition)
        let reportDirectory = session.reportDirectory ?? URL(fileURLWithPath: ".")
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        runner.progress = progress
        runner.cancel = connection.canceller()
        runner.isCancellation = { _ in stop.isSignalled && !connection.isBroken }
        runner.afterStop = { connection.rollbackIfInTransaction() }

        var found = Findings()
        do {
            guard !configuration.bitrix.dumps.isEmpty else {
                throw PipelineError(
                    .configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
            }
            // The catalog's links say which Bitrix orders the dump reader keeps. With more than one read
            // thread the dump is read on a thread of its own meanwhile, waiting for the links only at its
            // first order row (the same events reach the same model: the same findings, byte for byte).
            let overlapped =
                shared == nil && configuration.bitrix.readThreads > 1
                ? OverlappedDumpRead(
                    configuration: configuration, allowPartial: allowPartial, stop: stop, progress: progress,
                    logger: logger)
                : nil
            defer { overlapped?.abandon() }
            let catalog = try runner.run(extractCatalog(connection), ())
            overlapped?.provide(catalog)
            let bitrix = try runner.run(extractDump(overlapped), catalog)
            found.partial = bitrix?.partial ?? false
            let sellers =
                shared?.scope.sellers
                ?? catalog.flatMap { catalog in
                    bitrix.map { bitrix in
                        FleetScope.resolve(
                            configuration.shops, home: configuration.shopID, shops: catalog.shops,
                            bitrixSellers: bitrix.model.sellerIDs, shopMap: configuration.shopMap
                        ).sellers
                    }
                } ?? []
            let reconciler = Reconciler(configuration: reconcileConfiguration(sellers: sellers))
            let input = catalog.flatMap { catalog in
                bitrix.map { bitrix in
                    ReconcileInput(
                        bitrix: bitrix.model, catalogProducts: catalog.products, catalogOrders: catalog.orders,
                        productSequence: catalog.productSequence, partial: bitrix.partial)
                }
            }
            let result = try runner.run(reconcile(reconciler), input)
            let planInput = result.flatMap { result in
                input.flatMap { input in catalog.map { PlanInput(result, input, $0) } }
            }
            let planned = try runner.run(plan(connection, run: run, directory: reportDirectory), planInput)
            if let result, let (planning, plan) = planned {
                found.merge = MergeSummary(plan: plan)
                found.discrepancies = planning.changes.map { $0.discrepancy(causes: reconciler.causes) }
                found.reconciliation = RunReport.Reconciliation(
                    snapshot: result.snapshot, statusMapVersion: result.statusMapVersion,
                    rowsCompared: result.rowsCompared,
                    systematic: result.systematic.counts.sorted { $0.key < $1.key }.map {
                        .init(field: $0.key.rawValue, count: $0.value, explanation: $0.key.explanation)
                    },
                    withheld: result.withheld)
            }
            if kind == "nightly" {
                // The incremental index stage: its embedding.* and image.* findings join the same report.
                var options = try IndexInput.options(configuration, mode: .incremental, writeCatalog: false)
                let bar = progress.start("index.images", total: nil, unit: .items("images"))
                defer { bar.finish() }
                options.progress = { done, total in bar.update(Int64(done), of: Int64(total)) }
                if let outcome = try runner.run(
                    IndexInput.stage("index", connection: connection, runID: run.id), options)
                {
                    if let warning = try IndexInput.embeddingsWarning(on: connection) { runner.append(warning) }
                    found.discrepancies += outcome.discrepancies
                    found.similarity = Self.similarityHistogram(outcome, threshold: options.duplicateThreshold)
                }
            } else {
                runner.skip("index", because: "not part of a \(kind) run")
            }
            if let apply, let plan = planned?.1,
                let summary = try runner.run(applyStage(apply, connection: connection, run: run), plan)
            {
                found.merge = summary
            }
            if result != nil, let catalog, let bitrix {
                found.health = webhookHealth(found.discrepancies, bitrix: bitrix.model, catalog: catalog)
            }
            return try finish(session, runner: runner, found: found)
        } catch {
            let failed = session.fail(
                error,
                report: { run, lastSuccess in
                    RunReport(
                        run: run, stages: runner.records, discrepancies: found.discrepancies, inputs: session.inputs,
                        reconciliation: found.reconciliation, webhookHealth: found.health, lastSuccessAt: lastSuccess,
                        stopReason: runner.stopReason, generator: "backstop \(version)")
                }, formats: formats, partial: found.partial)
            try? publishTextfile(failed.written)
            throw failed.error
        }
    }

    /// What the stages of a run found, gathered for its report.
    struct Findings {
        /// Reconcile's findings (rendered from the plan's changes), then the index stage's.
        var discrepancies: [Discrepancy] = []
        /// Whether the dump was read partially (`--allow-partial` on a truncated dump).
        var partial = false
        /// The reconciliation's context for the report.
        var reconciliation: RunReport.Reconciliation?
        /// Findings per webhook failure and sync latency.
        var health: WebhookHealth?
        /// The index stage's histogram.
        var similarity: SimilarityHistogram?
        /// The plan's (and, with `--apply`, the apply's) summary; its refusals make the run `refused`.
        var merge: MergeSummary?
    }

    /// Ends a run whose stages completed or stopped early: its status, the ledger, the report.
    ///
    /// The status, first match wins: stopped (124 time limit, 129/130/143 signal), refused by the safety
    /// valve (4), partial input (3), drift (2), clean (0). The Prometheus file is published after the
    /// reports are written.
    /// - Parameters:
    ///   - session: The run's ledger session.
    ///   - runner: The runner, for its stage lines, stop state and stop reason.
    ///   - found: What the stages found.
    /// - Returns: The run's result for the CLI.
    /// - Throws: `PGError` from the ledger, `ReportError` when a report cannot be written.
    func finish(_ session: RunSession, runner: StageRunner, found: Findings) throws -> RunResult {
        let stop = runner.stopSwitch
        let refused = !(found.merge?.refusals.isEmpty ?? true)
        let status: ExitStatus =
            runner.isStopped
            ? stop.stoppedStatus
            : refused ? .refused : found.partial ? .partial : (found.discrepancies.isEmpty ? .clean : .drift)
        let history = try session.finish(
            status, findings: found.discrepancies, partial: found.partial || runner.isStopped,
            error: refused ? found.merge?.refusals.map(\.description).joined(separator: "; ") : runner.stopReason,
            signal: runner.isStopped ? stop.signalNumber : nil)
        let report = RunReport(
            run: session.run, stages: runner.records, discrepancies: found.discrepancies, inputs: session.inputs,
            reconciliation: found.reconciliation, history: history, webhookHealth: found.health,
            similarity: found.similarity, lastSuccessAt: try session.lastSuccess(), stopReason: runner.stopReason,
            generator: "backstop \(version)")
        try publishTextfile(try session.write(report, formats: formats))
        var outcome = RunResult(
            status: status, run: session.run, reportDirectory: session.reportDirectory,
            discrepancyCount: found.discrepancies.count)
        outcome.merge = found.merge
        outcome.kinds = Dictionary(found.discrepancies.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
        outcome.newCount = history.map { $0.counts(found.discrepancies)[.new] ?? 0 } ?? 0
        return outcome
    }

    /// The histogram of each product's best similarity score (20 bins from the lowest score to 1).
    ///
    /// The range starts at the lower of the lowest score and the threshold, rounded down to a whole unit
    /// (so usually 0 or -1), which keeps the bins' edges readable and the threshold on the chart.
    /// - Parameters:
    ///   - outcome: The index stage's outcome (top scores, verifier counts, thumbnails).
    ///   - threshold: The candidate threshold, drawn on the chart.
    /// - Returns: The histogram, or `nil` when no product has a score.
    static func similarityHistogram(_ outcome: IndexStage.Outcome, threshold: Float) -> SimilarityHistogram? {
        guard let lowest = outcome.topScores.min() else { return nil }
        let low = min(Double(lowest), Double(threshold)).rounded(.down)  // whole units keep the bins readable
        let start = max(-1, low == 1 ? 0 : low)
        let width = (1 - start) / 20
        var counts = [Int](repeating: 0, count: 20)
        for score in outcome.topScores {
            counts[min(19, max(0, Int((Double(score) - start) / width)))] += 1
        }
        func round(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
        var histogram = SimilarityHistogram(
            label: "each product's best cosine similarity (local image model)",
            bins: counts.enumerated().map { i, count in
                .init(
                    lower: round(start + Double(i) * width), upper: round(start + Double(i + 1) * width), count: count)
            },
            threshold: round(Double(threshold)))
        histogram.verifier = outcome.verifier
        if outcome.verifier != nil {
            histogram.candidatePairs = outcome.candidatePairs
            histogram.rejectedPairs = outcome.rejectedPairs
        }
        for (id, jpeg) in outcome.thumbnails { histogram.thumbnails[String(id)] = jpeg }
        return histogram
    }

    /// The result of a job that found the lock of one of `shops` (or the catalog's) taken: `locked`,
    /// naming the holder's run when it announced one.
    /// - Parameters:
    ///   - shops: The shops whose lock was wanted.
    ///   - connection: A connection to the catalog, to find the holder.
    ///   - logger: Where the refusal is logged.
    /// - Returns: A result with exit status 75 and a message naming the holder.
    static func locked(shops: [Int64], on connection: PGConnection, logger: Logger) -> RunResult {
        let holder = (try? RunLock.holder(shops: shops, on: connection)).flatMap { $0 }
        let message =
            "another Backstop run holds the lock on this catalog (\(connection.endpoint)) for shop "
            + shops.map(String.init).joined(separator: ", ") + ": "
            + (holder?.description ?? "the holder has just released it or cannot be seen; try again")
        logger.error(
            "catalog lock held",
            metadata: ["catalog": "\(connection.endpoint)", "lock.holder": "\(holder?.description ?? "unknown")"])
        return RunResult(status: .locked, lockHolder: message)
    }

    /// Marks the runs whose process is gone `abandoned` (logged; a failure to check does not stop this run).
    /// A `running` row whose per-run advisory lock is free has no process behind it any more.
    /// - Parameters:
    ///   - ledger: The ledger.
    ///   - runID: The run that noticed, recorded beside each.
    ///   - logger: Where each abandoned run is logged.
    static func markAbandoned(ledger: RunLedger, by runID: Int64, logger: Logger) {
        do {
            for id in try ledger.markAbandoned(by: runID) {
                logger.warning(
                    "run abandoned", metadata: ["run.id": "\(id)", "noticed.by": "\(runID)"])
            }
        } catch {
            logger.warning("could not check for abandoned runs", metadata: ["error": "\(error)"])
        }
    }

    /// A ledger on a fresh connection, for recording a run's end after its own connection was lost; `nil`
    /// when the server cannot be reached either.
    /// - Parameters:
    ///   - configuration: How to connect.
    ///   - logger: Where the failure to connect is logged.
    /// - Returns: A ledger on a new connection, or `nil`.
    static func freshLedger(_ configuration: BackstopConfiguration, logger: Logger) -> RunLedger? {
        guard let connection = try? CatalogInput.connect(configuration, logger: logger) else {
            logger.error("the run's end cannot be recorded: the catalog server is unreachable")
            return nil
        }
        return RunLedger(connection: connection)
    }

    /// Findings per cause with their attribution, and the sync latency of the matched rows.
    ///
    /// Bitrix times are read in `bitrix.time_zone`, catalog times in `catalog.time_zone` (default: the same
    /// zone): the report states the assumption, since a wrong zone shifts every latency by hours.
    /// - Parameters:
    ///   - discrepancies: The run's findings.
    ///   - bitrix: The Bitrix model (change times).
    ///   - catalog: The catalog snapshot (`updated_at`).
    /// - Returns: The report's webhook health.
    func webhookHealth(_ discrepancies: [Discrepancy], bitrix: BitrixSnapshot, catalog: CatalogInput.Snapshot)
        -> WebhookHealth
    {
        let bitrixZone = TimeZone(identifier: configuration.bitrix.timeZone) ?? .gmt
        let catalogZone = configuration.catalogTimeZone.flatMap(TimeZone.init(identifier:)) ?? bitrixZone
        let latency = SyncLatency(bitrixTimeZone: bitrixZone, catalogTimeZone: catalogZone)
        let shop = configuration.runShopID
        return WebhookHealth(
            discrepancies: discrepancies, attribute: ReportAssembler.attribute,
            latency: [
                .init(
                    entity: "product",
                    samples: latency.products(bitrix: bitrix.products, catalog: catalog.products, shopID: shop)),
                .init(
                    entity: "order",
                    samples: latency.orders(bitrix: bitrix.orders, catalog: catalog.orders, shopID: shop)),
            ],
            clock: latency.clock)
    }

    /// Copies the Prometheus file into the textfile-collector folder (atomically), when configured.
    ///
    /// The file is `backstop_<kind>.prom`, or `backstop_<kind>_<shop>.prom` for a run of a chosen shop, so
    /// the runs of a fleet sit beside each other in node_exporter's folder.
    /// - Parameter written: The report files just written; nothing happens without a `.prom` among them.
    /// - Throws: `ReportError` when the copy cannot be written; Foundation's error when the written file
    ///   cannot be read back.
    func publishTextfile(_ written: [URL]) throws {
        guard let folder = configuration.report.textfileDirectory,
            let prom = written.first(where: { $0.pathExtension == "prom" })
        else { return }
        // Runs of a chosen shop (`--shop`, each shop of a fleet) publish beside each other, one file per shop.
        let name =
            configuration.shops == nil ? "backstop_\(kind).prom" : "backstop_\(kind)_\(configuration.runShopID).prom"
        let target = URL(fileURLWithPath: folder).appendingPathComponent(name)
        try ReportWriter.writeAtomically(Array(try Data(contentsOf: prom)), to: target)
    }
}
