import ArgumentParser
import BackstopExtract
import BackstopModel
import BackstopPostgres
import BackstopReconcile
import BackstopReport
import Foundation
import Logging

/// The nightly (and `diff`) job: Extract → Reconcile → Index → Report, recorded in backstop.run.
/// The CLI's only composition point; each stage is a library call.
struct ReconcileJob {
    var kind: String
    var configuration: BackstopConfiguration
    var allowPartial: Bool
    var formats: [any ReportFormat]
    var arguments: [String]
    var logger: Logger

    /// Runs the job and returns the exit status for the scheduler.
    func run() throws -> ExitStatus {
        let paths = try requireProjectPaths()
        let connection = try connectCatalog(configuration, logger: logger)
        try Migrator(directory: paths.backstopMigrations).requireCurrent(on: connection)
        guard try RunLock.tryAcquire(on: connection) else {
            logger.error("another backstop run holds the catalog lock", metadata: ["catalog": "\(connection.endpoint)"])
            return .locked
        }
        defer { RunLock.release(on: connection) }

        let ledger = RunLedger(connection: connection)
        var inputs: [String: String] = ["catalog": connection.endpoint, "shop_id": String(configuration.shopID)]
        for (i, dump) in configuration.bitrix.dumps.enumerated() { inputs["dump\(i == 0 ? "" : String(i + 1))"] = dump }
        let inputsJSON = "{" + inputs.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \(jsonString($0.value))" }
            .joined(separator: ", ") + "}"
        var run = try ledger.begin(
            kind: kind, arguments: arguments, dryRun: true, inputs: inputsJSON, version: Backstop.version)
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
            print("run \(run.id) \(run.status): \(discrepancies.count) discrepancies; report: \(reportDirectory.path)/report.md")
            return status
        } catch {
            try? ledger.finish(
                &run, status: "failed", exitCode: .failure, counts: ["total": discrepancies.count], partial: partial,
                reportDirectory: reportDirectory.path, error: "\(error)")
            let report = RunReport(run: run, stages: stages, discrepancies: discrepancies, inputs: inputs)
            _ = try? ReportWriter.write(report, formats: formats, to: reportDirectory)
            logger.error("run failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
            throw CLIError("run \(run.id) failed: \(error)\nreport: \(reportDirectory.path)/report.md")
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

/// The session-scoped advisory lock that keeps two Backstop runs off one catalog.
enum RunLock {
    static let key: Int64 = 0x6273_7470_7275_6e00  // "bstprun"

    static func tryAcquire(on connection: PGConnection) throws -> Bool {
        try connection.execute("SELECT pg_try_advisory_lock(\(key))").bool(row: 0, column: 0) == true
    }

    static func release(on connection: PGConnection) {
        _ = try? connection.execute("SELECT pg_advisory_unlock(\(key))")
    }
}
