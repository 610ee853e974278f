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

    /// The reconciliation's configuration, from Backstop's.
    var reconcileConfiguration: ReconcileConfiguration {
        ReconcileConfiguration(shopID: configuration.shopID, webhookShopID: configuration.webhookShopID)
    }

    /// Creates a job.
    public init(
        kind: String, configuration: BackstopConfiguration, allowPartial: Bool, formats: [any ReportFormat],
        arguments: [String], logger: Logger, version: String, outputDirectory: URL? = nil, apply: ApplySettings? = nil
    ) {
        self.outputDirectory = outputDirectory
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
        let schema = try BackstopSchema.locate()
        _ = try mergePolicy()
        let connection = try CatalogInput.connect(configuration, logger: logger)
        try schema.requireCurrent(on: connection)
        guard try RunLock.tryAcquire(on: connection) else {
            logger.error("another backstop run holds the catalog lock", metadata: ["catalog": "\(connection.endpoint)"])
            return RunResult(status: .locked)
        }
        defer { RunLock.release(on: connection) }

        let ledger = RunLedger(connection: connection)
        var inputs: [String: String] = ["catalog": connection.endpoint, "shop_id": String(configuration.shopID)]
        for (i, dump) in configuration.bitrix.dumps.enumerated() { inputs["dump\(i == 0 ? "" : String(i + 1))"] = dump }
        let inputsJSON = "{" + inputs.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \(jsonString($0.value))" }
            .joined(separator: ", ") + "}"
        var run = try ledger.begin(
            kind: kind, arguments: arguments, dryRun: apply == nil, inputs: inputsJSON, version: version)
        logger.notice("run started", metadata: ["run.id": "\(run.id)", "run.kind": "\(kind)"])
        let reportDirectory = outputDirectory
            ?? URL(fileURLWithPath: configuration.report.directory)
            .appendingPathComponent(String(format: "%06lld-%@", run.id, kind))

        var stages: [RunReport.Stage] = []
        var discrepancies: [Discrepancy] = []
        var partial = false
        var reconciliation: RunReport.Reconciliation?
        var merge: MergeSummary?
        func stage<T>(_ name: String, _ body: () throws -> (T, String, Bool)) throws -> T {
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                let (value, summary, isPartial) = try body()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                stages.append(.init(name: name, status: isPartial ? "partial" : "ok", summary: summary, seconds: seconds))
                logger.info("stage finished", metadata: ["stage": "\(name)", "summary": "\(summary)"])
                return value
            } catch {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                stages.append(.init(name: name, status: "failed", summary: "\(error)", seconds: seconds))
                throw error
            }
        }

        do {
            guard !configuration.bitrix.dumps.isEmpty else {
                throw PipelineError(.configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
            }
            // The catalog first: its links say which Bitrix orders the dump reader keeps.
            let catalog = try stage("extract.catalog") { () -> (CatalogInput.Snapshot, String, Bool) in
                let snapshot = try CatalogInput.load(connection: connection, shopID: configuration.shopID, logger: logger)
                return (snapshot, snapshot.summary + " from \(connection.endpoint)", false)
            }
            let bitrix = try stage("extract.dump") { () -> (BitrixSnapshot, String, Bool) in
                let scope = BitrixModelBuilder.Scope(
                    orders: .linked(referencedBitrixIDs: catalog.referencedBitrixOrders), users: false)
                let snapshot = try BitrixInput.load(
                    configuration: configuration, scope: scope, allowPartial: allowPartial, logger: logger)
                partial = partial || snapshot.partial
                return (snapshot.model, snapshot.summary, snapshot.partial)
            }
            let reconciler = Reconciler(configuration: reconcileConfiguration)
            let input = ReconcileInput(
                bitrix: bitrix, catalogProducts: catalog.products, catalogOrders: catalog.orders,
                productSequence: catalog.productSequence, partial: partial)
            let result = try stage("reconcile") { () -> (ReconcileResult, String, Bool) in
                let result = reconciler.reconcile(input)
                var summary = "\(result.changes.count) discrepancies; "
                    + "\(result.rowsCompared["product.matched"] ?? 0) products and \(result.rowsCompared["order.matched"] ?? 0) orders compared"
                if result.withheld > 0 { summary += "; \(result.withheld) orphan or dangling candidates withheld (partial dump)" }
                return (result, summary, partial)
            }
            let (planning, plan) = try stage("plan") { () -> ((MergePlanning, MergePlan), String, Bool) in
                let planned = try planMerge(
                    result, input: input, catalog: catalog, run: run, connection: connection, directory: reportDirectory)
                return (planned, PlanPreview.summary(planned.1), partial)
            }
            merge = MergeSummary(plan: plan)
            discrepancies = planning.changes.map { $0.discrepancy(causes: reconciler.causes) }
            reconciliation = RunReport.Reconciliation(
                snapshot: result.snapshot, statusMapVersion: result.statusMapVersion, rowsCompared: result.rowsCompared,
                systematic: result.systematic.counts.sorted { $0.key < $1.key }.map {
                    .init(field: $0.key.rawValue, count: $0.value, explanation: $0.key.explanation)
                },
                withheld: result.withheld)
            if kind == "nightly" {
                // The incremental index stage: its embedding.* and image.* findings join the same report.
                let indexOptions = try IndexInput.options(configuration, mode: .incremental, writeCatalog: false)
                let outcome = try stage("index") { () -> (IndexStage.Outcome, String, Bool) in
                    let outcome = try IndexInput.run(options: indexOptions, connection: connection, runID: run.id, logger: logger)
                    return (outcome, outcome.summary, false)
                }
                discrepancies += outcome.discrepancies
            } else {
                stages.append(.init(name: "index", status: "skipped", summary: "not part of a \(kind) run", seconds: 0))
            }
            if let apply {
                merge = try stage("apply") { () -> (MergeSummary, String, Bool) in
                    let summary = try applyMerge(plan, settings: apply, connection: connection, run: run)
                    return (summary, PlanPreview.summary(summary), !summary.refusals.isEmpty)
                }
            }
            try ledger.record(discrepancies, for: run)
            let refused = !(merge?.refusals.isEmpty ?? true)
            let status: ExitStatus = refused ? .refused : partial ? .partial : (discrepancies.isEmpty ? .clean : .drift)
            var counts = Dictionary(discrepancies.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
            counts["total"] = discrepancies.count
            try ledger.finish(
                &run, status: status == .clean ? "succeeded" : (status == .partial ? "partial" : status == .refused ? "refused" : "drift"),
                exitCode: status, counts: counts, partial: partial, reportDirectory: reportDirectory.path,
                error: refused ? merge?.refusals.map(\.description).joined(separator: "; ") : nil)
            let report = RunReport(
                run: run, stages: stages, discrepancies: discrepancies, inputs: inputs, reconciliation: reconciliation)
            let written = try ReportWriter.write(report, formats: formats, to: reportDirectory)
            try publishTextfile(written)
            var outcome = RunResult(
                status: status, run: run, reportDirectory: reportDirectory, discrepancyCount: discrepancies.count)
            outcome.merge = merge
            return outcome
        } catch {
            try? ledger.finish(
                &run, status: "failed", exitCode: .failure, counts: ["total": discrepancies.count], partial: partial,
                reportDirectory: reportDirectory.path, error: "\(error)")
            let report = RunReport(
                run: run, stages: stages, discrepancies: discrepancies, inputs: inputs, reconciliation: reconciliation)
            _ = try? ReportWriter.write(report, formats: formats, to: reportDirectory)
            logger.error("run failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
            throw PipelineError(.runFailed, "run \(run.id) failed: \(error)\nreport: \(reportDirectory.path)/report.md", runID: run.id)
        }
    }

    /// Copies the Prometheus file into the textfile-collector folder (atomically), when configured.
    func publishTextfile(_ written: [URL]) throws {
        guard let folder = configuration.report.textfileDirectory,
            let prom = written.first(where: { $0.pathExtension == "prom" })
        else { return }
        let target = URL(fileURLWithPath: folder).appendingPathComponent("backstop_\(kind).prom")
        let temporary = URL(fileURLWithPath: folder).appendingPathComponent(".backstop_\(kind).prom.tmp")
        try? FileManager.default.removeItem(at: temporary)
        try FileManager.default.copyItem(at: prom, to: temporary)
        _ = try FileManager.default.replaceItemAt(target, withItemAt: temporary)
    }
}
