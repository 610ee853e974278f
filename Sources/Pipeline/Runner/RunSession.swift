import BackstopModel
import BackstopPostgres
import BackstopReport
import BackstopStore
import Foundation
import Logging

/// One run's life in the ledger, the hand-off every job shares: the `running` row (with the run lock's
/// announcement and the abandoned-run check) when it begins, then exactly one end: ``finish(_:findings:counts:partial:error:signal:)``
/// for a run that completed or stopped early, `fail(_:report:formats:partial:)` for one that failed, recorded
/// through a fresh connection when the run's own was lost.
final class RunSession {
    /// The run's connection (it holds the run lock).
    let connection: PGConnection
    /// The ledger on that connection.
    let ledger: RunLedger
    /// The run's row, updated as it ends.
    private(set) var run: RunRecord
    /// The run's inputs as recorded (secrets redacted).
    let inputs: [String: String]
    /// The run's report folder (`nil` for a run without a report: apply).
    let reportDirectory: URL?
    /// Where a lost connection's replacement comes from.
    let configuration: BackstopConfiguration
    /// Where the session logs.
    let logger: Logger

    /// Begins a run: inserts its `running` row, names it on the lock, and marks runs whose process is gone
    /// `abandoned`.
    ///
    /// - Parameters:
    ///   - kind: The run kind (`nightly`, `diff`, `reindex`, `apply`).
    ///   - dryRun: Whether the run may change the catalog.
    ///   - inputs: The inputs to record (redacted here).
    ///   - arguments: The command line (redacted here).
    ///   - version: Backstop's version.
    ///   - connection: The run's connection, holding the run lock.
    ///   - configuration: The configuration (for a fresh connection after a lost one).
    ///   - logger: Where the session logs.
    ///   - reportDirectory: The report folder of the new run, from its row; `nil` for none.
    /// - Throws: `PGError` when the row cannot be inserted.
    init(
        kind: String, dryRun: Bool, inputs: [String: String], arguments: [String], version: String,
        connection: PGConnection, configuration: BackstopConfiguration, logger: Logger,
        reportDirectory: (RunRecord) -> URL?
    ) throws {
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
        self.ledger = RunLedger(connection: connection)
        self.inputs = inputs.mapValues(Redaction.redact)
        self.run = try ledger.begin(
            kind: kind, arguments: Redaction.redact(arguments: arguments), dryRun: dryRun, inputs: self.inputs,
            version: version)
        self.reportDirectory = reportDirectory(run)
        // Name the run on the session that holds the lock, so a second run can say who holds it.
        try? RunLock.announce(kind: kind, runID: run.id, on: connection)
        logger.notice("run started", metadata: ["run.id": "\(run.id)", "run.kind": "\(kind)"])
        RunSession.markAbandoned(ledger: ledger, by: run.id, logger: logger)
    }

    /// Ends a run that completed or stopped early: stores its findings (each with the run it was first seen
    /// in) and its row's status, exit code and counts.
    ///
    /// - Parameters:
    ///   - status: How the run ends; its `RunStatus` is what the ledger shows.
    ///   - findings: The run's discrepancies; `nil` for a run that makes none (apply).
    ///   - counts: Totals beside the findings' counts by kind.
    ///   - partial: Whether the findings are incomplete (partial input, or stopped early).
    ///   - error: The refusal or stop reason, when there is one.
    ///   - signal: The signal that stopped the run.
    /// - Returns: The findings' history (trend, new and resolved), when there were findings.
    /// - Throws: `PGError` when the ledger cannot be written.
    @discardableResult
    func finish(
        _ status: ExitStatus, findings: [Discrepancy]?, counts: [String: Int] = [:], partial: Bool,
        error: String? = nil, signal: Int32? = nil
    ) throws -> RunHistory? {
        var counts = counts
        var history: RunHistory?
        if let findings {
            var finished = run
            finished.status = RunStatus(ending: status)
            let found = try ledger.history(of: finished, current: findings, partial: partial, shop: inputs["shop_id"])
            try ledger.record(findings, for: run, origins: found.origins)
            history = found
            for finding in findings { counts[finding.kind.rawValue, default: 0] += 1 }
            counts["total"] = findings.count
        }
        try ledger.finish(
            &run, status: RunStatus(ending: status), exitCode: status, counts: counts, partial: partial,
            reportDirectory: reportDirectory?.path, error: error, signal: signal)
        return history
    }

    /// Saves the report's context in the ledger (for `backstop report --run`) and writes its files.
    ///
    /// - Parameters:
    ///   - report: The finished run's report.
    ///   - formats: The formats to write.
    /// - Returns: The files written.
    /// - Throws: `PGError`, or a report format's error.
    func write(_ report: RunReport, formats: [any ReportFormat]) throws -> [URL] {
        try saveContext(report)
        guard let reportDirectory else { return [] }
        return try ReportWriter.write(report, formats: formats, to: reportDirectory)
    }

    /// Saves the report's context in the ledger (for `backstop report --run`), the part of ``write(_:formats:)``
    /// that needs the run's connection.
    /// - Parameter report: The finished run's report.
    /// - Throws: `PGError`, or the context's encoding error.
    func saveContext(_ report: RunReport) throws {
        try ledger.saveReportContext(try report.context.json(), for: run.id)
    }

    /// The last successful run of this kind before this one (for the report's header).
    /// - Throws: `PGError` when the ledger cannot be read.
    func lastSuccess() throws -> Date? { try ledger.lastSuccess(upTo: run.id, kind: run.kind) }

    /// Ends a failed run: records it `failed` (through a fresh connection when the run's own was lost; a
    /// failed run has no finding count), writes what report it can, and returns the error to throw, which
    /// keeps `error` as its cause.
    ///
    /// - Parameters:
    ///   - error: What failed the run (a ``StageFailure`` keeps the stage's own error).
    ///   - report: The report of the failed run, from its finished row and last success; `nil` for none.
    ///   - formats: The report formats.
    ///   - partial: Whether the run had read partial input.
    /// - Returns: The written report files (best effort) and the ``PipelineError`` (`runFailed`) to throw.
    func fail(
        _ error: any Error, report: (RunRecord, Date?) -> RunReport?, formats: [any ReportFormat], partial: Bool = false
    ) -> (
        written: [URL], error: PipelineError
    ) {
        let message = Redaction.redact("\(error)")
        let recorder = connection.isBroken ? RunSession.freshLedger(configuration, logger: logger) ?? ledger : ledger
        try? recorder.finish(
            &run, status: .failed, exitCode: ExitStatus(for: error), counts: [:], partial: partial,
            reportDirectory: reportDirectory?.path, error: message)
        var written: [URL] = []
        if let report = report(run, (try? recorder.lastSuccess(upTo: run.id, kind: run.kind)) ?? nil) {
            if let context = try? report.context.json() { try? recorder.saveReportContext(context, for: run.id) }
            if let reportDirectory {
                written = (try? ReportWriter.write(report, formats: formats, to: reportDirectory)) ?? []
            }
        }
        logger.error("run failed", metadata: ["run.id": "\(run.id)", "error": "\(message)"])
        let where_ = reportDirectory.map { "\nreport: \($0.path)/report.md" } ?? ""
        return (
            written,
            PipelineError(
                .runFailed, "\(run.kind == "apply" ? "apply run" : "run") \(run.id) failed: \(message)\(where_)",
                runID: run.id, underlyingError: error)
        )
    }
}
