import BackstopExtract
public import BackstopModel
import BackstopPostgres
import BackstopReconcile
public import BackstopReport
import BackstopStore
import Foundation
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

    /// Creates a job.
    public init(
        kind: String, configuration: BackstopConfiguration, allowPartial: Bool, formats: [any ReportFormat],
        arguments: [String], logger: Logger, version: String
    ) {
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
            kind: kind, arguments: arguments, dryRun: true, inputs: inputsJSON, version: version)
        logger.notice("run started", metadata: ["run.id": "\(run.id)", "run.kind": "\(kind)"])
        let reportDirectory = URL(fileURLWithPath: configuration.report.directory)
            .appendingPathComponent(String(format: "%06lld-%@", run.id, kind))

        var stages: [RunReport.Stage] = []
        var discrepancies: [Discrepancy] = []
        var partial = false
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
            let bitrix = try stage("extract.dump") { () -> ([CanonicalProduct], String, Bool) in
                let snapshot = try BitrixInput.load(configuration: configuration, allowPartial: allowPartial, logger: logger)
                partial = partial || snapshot.partial
                return (snapshot.model.products, snapshot.summary, snapshot.partial)
            }
            let catalog = try stage("extract.catalog") { () -> ([CanonicalProduct], String, Bool) in
                let products = try CatalogInput.loadProducts(connection: connection, logger: logger)
                return (products, "\(products.count) catalog products read from \(connection.endpoint)", false)
            }
            discrepancies = try stage("reconcile") { () -> ([Discrepancy], String, Bool) in
                var found = ProductDiff(shopID: configuration.shopID).compare(bitrix: bitrix, catalog: catalog)
                var note = ""
                if partial {
                    // A truncated dump lacks rows, not products: absence proves nothing, so no orphans.
                    let before = found.count
                    found.removeAll { $0.kind == .productOrphan }
                    note = "; \(before - found.count) orphan candidates withheld (partial dump)"
                }
                return (found, "\(found.count) product discrepancies" + note, partial)
            }
            stages.append(.init(name: "index", status: "skipped", summary: "the index stage is not built yet", seconds: 0))
            try ledger.record(discrepancies, for: run)
            let status: ExitStatus = partial ? .partial : (discrepancies.isEmpty ? .clean : .drift)
            var counts = Dictionary(discrepancies.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
            counts["total"] = discrepancies.count
            try ledger.finish(
                &run, status: status == .clean ? "succeeded" : (status == .partial ? "partial" : "drift"), exitCode: status,
                counts: counts, partial: partial, reportDirectory: reportDirectory.path)
            let report = RunReport(run: run, stages: stages, discrepancies: discrepancies, inputs: inputs)
            let written = try ReportWriter.write(report, formats: formats, to: reportDirectory)
            try publishTextfile(written)
            return RunResult(
                status: status, run: run, reportDirectory: reportDirectory, discrepancyCount: discrepancies.count)
        } catch {
            try? ledger.finish(
                &run, status: "failed", exitCode: .failure, counts: ["total": discrepancies.count], partial: partial,
                reportDirectory: reportDirectory.path, error: "\(error)")
            let report = RunReport(run: run, stages: stages, discrepancies: discrepancies, inputs: inputs)
            _ = try? ReportWriter.write(report, formats: formats, to: reportDirectory)
            logger.error("run failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
            throw PipelineError("run \(run.id) failed: \(error)\nreport: \(reportDirectory.path)/report.md", runID: run.id)
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
