import BackstopExtract
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

    /// The reconciliation's configuration, from Backstop's: this run's shop, attributed within the fleet.
    func reconcileConfiguration(sellers: [Int64]) -> ReconcileConfiguration {
        var reconcile = ReconcileConfiguration(shopID: configuration.shopID, webhookShopID: configuration.webhookShopID)
        reconcile.shops = [configuration.runShopID]
        reconcile.sellerShops = Set(sellers)
        return reconcile
    }

    /// Creates a job.
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

    /// Runs the job and returns how it ended (the exit status for the scheduler, the run and its report).
    ///
    /// - Throws: ``PipelineError`` when the catalog is unreachable or the run fails (the failed run is
    ///   recorded and its report written first); ``StoreError`` or `PGError` when Backstop's schema is
    ///   missing or not current.
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

        let ledger = RunLedger(connection: connection)
        var inputs: [String: String] = ["catalog": connection.endpoint, "shop_id": String(configuration.runShopID)]
        for (i, dump) in configuration.bitrix.dumps.enumerated() { inputs["dump\(i == 0 ? "" : String(i + 1))"] = dump }
        inputs = inputs.mapValues(Redaction.redact)
        var run = try ledger.begin(
            kind: kind, arguments: Redaction.redact(arguments: arguments), dryRun: apply == nil, inputs: inputs,
            version: version)
        try ledger.recordScope(of: run, shops: [configuration.runShopID], partition: shared?.partition)
        // Name the run on the session that holds the lock, so a second run can say who holds it.
        try? RunLock.announce(kind: kind, runID: run.id, on: connection)
        logger.notice("run started", metadata: ["run.id": "\(run.id)", "run.kind": "\(kind)"])
        Self.markAbandoned(ledger: ledger, by: run.id, logger: logger)
        let reportDirectory =
            outputDirectory
            ?? URL(fileURLWithPath: configuration.report.directory)
            .appendingPathComponent(String(format: "%06lld-%@", run.id, kind))

        var stages: [RunReport.Stage] = []
        var discrepancies: [Discrepancy] = []
        var partial = false
        var stopReason: String?
        var reconciliation: RunReport.Reconciliation?
        var health: WebhookHealth?
        var similarity: SimilarityHistogram?
        var merge: MergeSummary?
        /// Runs a stage; `nil` when the run's switch stopped it (time limit or signal; before it started or
        /// at a safe point while it ran). While it runs, a signal also cancels the statement in flight on the
        /// run's connection (a COPY), which then fails and is taken as the stop.
        func stage<T>(_ name: String, _ body: () throws -> (T, String, Bool)) throws -> T? {
            if stopReason == nil, stop.isStopped {
                stopReason = stop.reached(", before \(name)")
            }
            if stopReason != nil {
                let why = stop.reason.map { "\($0)" } ?? "stopped"
                stages.append(.init(name: name, status: "stopped", summary: "not run: \(why)", seconds: 0))
                return nil
            }
            let started = DispatchTime.now().uptimeNanoseconds
            func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
            do {
                let (value, summary, isPartial) = try stop.onStop(connection.canceller() ?? {}) { try body() }
                stages.append(
                    .init(name: name, status: isPartial ? "partial" : "ok", summary: summary, seconds: seconds()))
                logger.info("stage finished", metadata: ["stage": "\(name)", "summary": "\(summary)"])
                return value
            } catch let stopped as DeadlineReached {
                connection.rollbackIfInTransaction()
                stopReason = stop.reached(": \(stopped)")
                stages.append(.init(name: name, status: "stopped", summary: "\(stopped)", seconds: seconds()))
                logger.warning(
                    "run stopped", metadata: ["stage": "\(name)", "reason": "\(stop.reason.map { "\($0)" } ?? "")"])
                return nil
            } catch  where stop.isSignalled && !connection.isBroken {
                // The signal cancelled a statement in flight (SQLSTATE 57014): the stage stopped there.
                connection.rollbackIfInTransaction()
                let summary =
                    "stopped by \(stop.reason.map { "\($0)" } ?? "a signal") during \(name) (statement cancelled)"
                stopReason = stop.reached(": \(summary)")
                stages.append(.init(name: name, status: "stopped", summary: summary, seconds: seconds()))
                logger.warning("run stopped", metadata: ["stage": "\(name)", "cancelled": "\(error)"])
                return nil
            } catch {
                stages.append(
                    .init(name: name, status: "failed", summary: Redaction.redact("\(error)"), seconds: seconds()))
                throw error
            }
        }

        do {
            guard !configuration.bitrix.dumps.isEmpty else {
                throw PipelineError(
                    .configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
            }
            // The catalog first: its links say which Bitrix orders the dump reader keeps.
            let catalog = try stage("extract.catalog") { () -> (CatalogInput.Snapshot, String, Bool) in
                if let shared {
                    return (shared.catalog, "read once for the fleet run: " + shared.catalogSummary, false)
                }
                let snapshot = try CatalogInput.load(
                    connection: connection, shopID: configuration.runShopID, stop: stop, logger: logger)
                return (snapshot, snapshot.summary + " from \(connection.endpoint)", false)
            }
            let bitrix = try stage("extract.dump") { () -> (BitrixSnapshot, String, Bool) in
                if let shared {
                    partial = partial || shared.partial
                    return (shared.bitrix, "read once for the fleet run: " + shared.bitrixSummary, shared.partial)
                }
                guard let catalog else { throw PipelineError(.runFailed, "the catalog was not read") }
                let scope = BitrixModelBuilder.Scope(
                    orders: .linked(referencedBitrixIDs: catalog.referencedBitrixOrders), users: false)
                let snapshot = try BitrixInput.load(
                    configuration: configuration, scope: scope, allowPartial: allowPartial, stop: stop,
                    logger: logger)
                partial = partial || snapshot.partial
                return (
                    FleetScope.mapped(snapshot.model, configuration.shopMap), snapshot.summary, snapshot.partial
                )
            }
            let sellers =
                shared?.scope.sellers
                ?? catalog.flatMap { catalog in
                    bitrix.map { bitrix in
                        FleetScope.resolve(
                            configuration.shops, home: configuration.shopID, shops: catalog.shops,
                            bitrixSellers: bitrix.sellerIDs, shopMap: configuration.shopMap
                        ).sellers
                    }
                } ?? []
            let reconciler = Reconciler(configuration: reconcileConfiguration(sellers: sellers))
            let input = catalog.flatMap { catalog in
                bitrix.map { bitrix in
                    ReconcileInput(
                        bitrix: bitrix, catalogProducts: catalog.products, catalogOrders: catalog.orders,
                        productSequence: catalog.productSequence, partial: partial)
                }
            }
            let result = try stage("reconcile") { () -> (ReconcileResult, String, Bool) in
                guard let input else { throw PipelineError(.runFailed, "the inputs were not read") }
                let result = reconciler.reconcile(input)
                var summary =
                    "\(result.changes.count) discrepancies; "
                    + "\(result.rowsCompared["product.matched"] ?? 0) products and \(result.rowsCompared["order.matched"] ?? 0) orders compared"
                if result.withheld > 0 {
                    summary += "; \(result.withheld) orphan or dangling candidates withheld (partial dump)"
                }
                return (result, summary, partial)
            }
            let planned = try stage("plan") { () -> ((MergePlanning, MergePlan), String, Bool) in
                guard let result, let input, let catalog else {
                    throw PipelineError(.runFailed, "the reconciliation did not run")
                }
                let planned = try planMerge(
                    result, input: input, catalog: catalog, run: run, connection: connection, directory: reportDirectory
                )
                return (planned, PlanPreview.summary(planned.1), partial)
            }
            if let result, let (planning, plan) = planned {
                merge = MergeSummary(plan: plan)
                discrepancies = planning.changes.map { $0.discrepancy(causes: reconciler.causes) }
                reconciliation = RunReport.Reconciliation(
                    snapshot: result.snapshot, statusMapVersion: result.statusMapVersion,
                    rowsCompared: result.rowsCompared,
                    systematic: result.systematic.counts.sorted { $0.key < $1.key }.map {
                        .init(field: $0.key.rawValue, count: $0.value, explanation: $0.key.explanation)
                    },
                    withheld: result.withheld)
            }
            if kind == "nightly" {
                // The incremental index stage: its embedding.* and image.* findings join the same report.
                var indexOptions = try IndexInput.options(configuration, mode: .incremental, writeCatalog: false)
                let bar = ProgressBar(label: "index.images", total: nil, unit: .items("images"), logger: logger)
                defer { bar.finish() }
                indexOptions.progress = { done, total in bar.update(Int64(done), of: Int64(total)) }
                indexOptions.shouldStop = { stop.safePoint("index.batch") }
                let outcome = try stage("index") { () -> (IndexStage.Outcome, String, Bool) in
                    do {
                        let outcome = try IndexInput.run(
                            options: indexOptions, connection: connection, runID: run.id, logger: logger)
                        return (outcome, outcome.summary, false)
                    } catch let stopped as IndexError where stopped.code == .stopped {
                        throw DeadlineReached(stage: "index", progress: stopped.message, reason: stop.reason)
                    }
                }
                if outcome != nil, let warning = try IndexInput.embeddingsWarning(on: connection) {
                    stages.append(warning)
                }
                if let outcome {
                    discrepancies += outcome.discrepancies
                    similarity = Self.similarityHistogram(outcome, threshold: indexOptions.duplicateThreshold)
                }
            } else {
                stages.append(.init(name: "index", status: "skipped", summary: "not part of a \(kind) run", seconds: 0))
            }
            if let apply, let plan = planned?.1 {
                if let summary = try stage(
                    "apply",
                    { () -> (MergeSummary, String, Bool) in
                        let summary = try applyMerge(plan, settings: apply, connection: connection, run: run)
                        return (summary, PlanPreview.summary(summary), !summary.refusals.isEmpty)
                    })
                {
                    merge = summary
                }
            }
            if result != nil, let catalog, let bitrix {
                health = webhookHealth(discrepancies, bitrix: bitrix, catalog: catalog)
            }
            let refused = !(merge?.refusals.isEmpty ?? true)
            let status: ExitStatus =
                stopReason != nil
                ? stop.stoppedStatus
                : refused ? .refused : partial ? .partial : (discrepancies.isEmpty ? .clean : .drift)
            let statusName = Self.statusName(status)
            var finished = run
            finished.status = statusName
            let history = try ledger.history(
                of: finished, current: discrepancies, partial: partial || stopReason != nil, shop: inputs["shop_id"])
            try ledger.record(discrepancies, for: run, origins: history.origins)
            var counts = Dictionary(discrepancies.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
            counts["total"] = discrepancies.count
            try ledger.finish(
                &run, status: statusName, exitCode: status, counts: counts, partial: partial || stopReason != nil,
                reportDirectory: reportDirectory.path,
                error: refused ? merge?.refusals.map(\.description).joined(separator: "; ") : stopReason,
                signal: stopReason != nil ? stop.signalNumber : nil)
            let report = RunReport(
                run: run, stages: stages, discrepancies: discrepancies, inputs: inputs, reconciliation: reconciliation,
                history: history, webhookHealth: health, similarity: similarity,
                lastSuccessAt: try ledger.lastSuccess(upTo: run.id, kind: kind),
                stopReason: stopReason, generator: "backstop \(version)")
            try ledger.saveReportContext(try report.context.json(), for: run.id)
            let written = try ReportWriter.write(report, formats: formats, to: reportDirectory)
            try publishTextfile(written)
            var outcome = RunResult(
                status: status, run: run, reportDirectory: reportDirectory, discrepancyCount: discrepancies.count)
            outcome.merge = merge
            outcome.kinds = counts.filter { $0.key != "total" }
            outcome.newCount = history.counts(discrepancies)[.new] ?? 0
            return outcome
        } catch {
            let message = Redaction.redact("\(error)")
            // A lost connection (backend terminated, network): record the failure through a fresh one.
            let recorder = connection.isBroken ? Self.freshLedger(configuration, logger: logger) ?? ledger : ledger
            // A failed run has no finding count: its findings are not a result.
            try? recorder.finish(
                &run, status: RunStatus.failed.rawValue, exitCode: .failure, counts: [:], partial: partial,
                reportDirectory: reportDirectory.path, error: message)
            let report = RunReport(
                run: run, stages: stages, discrepancies: discrepancies, inputs: inputs, reconciliation: reconciliation,
                webhookHealth: health, lastSuccessAt: (try? recorder.lastSuccess(upTo: run.id, kind: kind)) ?? nil,
                stopReason: stopReason, generator: "backstop \(version)")
            if let context = try? report.context.json() { try? recorder.saveReportContext(context, for: run.id) }
            if let written = try? ReportWriter.write(report, formats: formats, to: reportDirectory) {
                try? publishTextfile(written)
            }
            logger.error("run failed", metadata: ["run.id": "\(run.id)", "error": "\(message)"])
            throw PipelineError(
                .runFailed, "run \(run.id) failed: \(message)\nreport: \(reportDirectory.path)/report.md", runID: run.id
            )
        }
    }

    /// The histogram of each product's best similarity score (20 bins from the lowest score to 1).
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

    /// The ledger's status of an exit status.
    static func statusName(_ status: ExitStatus) -> String { runStatus(status).rawValue }

    /// The run status of a finished run that exits with `status`.
    static func runStatus(_ status: ExitStatus) -> RunStatus {
        switch status {
        case .clean: .succeeded
        case .drift: .drift
        case .partial: .partial
        case .timedOut: .timedOut
        case .refused: .refused
        case .hangup, .interrupted, .terminated: .stopped
        default: .failed
        }
    }

    /// Marks the runs whose process is gone `abandoned` (logged; a failure to check does not stop this run).
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
    static func freshLedger(_ configuration: BackstopConfiguration, logger: Logger) -> RunLedger? {
        guard let connection = try? CatalogInput.connect(configuration, logger: logger) else {
            logger.error("the run's end cannot be recorded: the catalog server is unreachable")
            return nil
        }
        return RunLedger(connection: connection)
    }

    /// Findings per cause with their attribution, and the sync latency of the matched rows.
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
