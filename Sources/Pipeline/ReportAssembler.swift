public import BackstopModel
import BackstopIndex
import BackstopReconcile
public import BackstopReport
public import BackstopStore
import Foundation

/// Builds the report of a run from Backstop's ledger: the run's findings with their history against the
/// previous comparable run, the stored context (stages, rows compared, webhook health) and the last
/// success. `backstop report --run N` uses it to render any recorded run again; the job uses the same
/// attribution for the run it just finished.
///
/// A rendering of a recorded run equals the report the run wrote, byte for byte: its findings, their
/// first-seen runs and the context are stored, and nothing is recomputed from today's data
/// (`RunReportsTests` compares report.json, report.md, report.html, junit.xml and a CSV). Runs recorded
/// before contexts were kept get their inputs from the ledger's `inputs` and a webhook-health table
/// without latency.
///
/// ```swift
/// let report = try ReportAssembler(ledger: RunLedger(connection: connection)).report(of: 42)
/// try ReportWriter.write(report, formats: [MarkdownReportFormat()], to: folder)
/// ```
public struct ReportAssembler {
    /// The ledger the runs are read from.
    public let ledger: RunLedger

    /// An assembler reading runs from `ledger`.
    /// - Parameter ledger: The run ledger on the catalog database.
    public init(ledger: RunLedger) { self.ledger = ledger }

    /// The failure of the real-time path a stored cause code is attributed to (the reconcile and index
    /// stages' cause tables; `nil` for codes this build does not know).
    /// - Parameter cause: A finding's cause code.
    /// - Returns: The failure, or `nil`.
    public static func attribute(_ cause: String?) -> WebhookFailure? {
        Evidence.webhookFailure(cause: cause) ?? IndexFinding.webhookFailure(cause: cause)
    }

    /// The report of recorded run `runID`, as complete as the ledger allows (runs recorded before report
    /// contexts were kept have no stages).
    ///
    /// - Parameter runID: The run's id in `backstop.run`.
    /// - Returns: The report, with history against the previous comparable run of the same kind and shop.
    /// - Throws: ``PipelineError`` when there is no such run; `PGError` or `ReportError` when the ledger
    ///   cannot be read.
    public func report(of runID: Int64) throws -> RunReport {
        guard let run = try ledger.run(id: runID) else {
            throw PipelineError(.unknownRun, "no run \(runID) in backstop.run")
        }
        let findings = try ledger.findings(of: runID)
        var report = RunReport(run: run, stages: [], discrepancies: findings.map(\.discrepancy), inputs: [:])
        var partial = run.status == .partial || run.status.isStoppedEarly
        if let json = try ledger.reportContext(of: runID) {
            let context = try RunReport.Context(json: json)
            report.apply(context)
            partial = context.partial
        } else if let json = try ledger.inputs(of: runID),
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        {
            report.inputs = object.compactMapValues { $0 as? String }.mapValues(Redaction.redact)
        }
        let shop = try ledger.shop(of: runID)
        var history = try ledger.history(of: run, current: report.discrepancies, partial: partial, shop: shop)
        // The first-seen runs stored with the findings stand, even if an earlier run has since been deleted.
        for finding in findings {
            if let origin = finding.origin { history.origins[finding.discrepancy.identity] = origin }
        }
        report.history = history
        if report.webhookHealth == nil, !report.discrepancies.isEmpty {
            report.webhookHealth = WebhookHealth(
                discrepancies: report.discrepancies, attribute: Self.attribute, latency: [],
                clock: "sync latency not recorded for this run")
        }
        report.lastSuccessAt = try ledger.lastSuccess(upTo: runID, kind: run.kind)
        return report
    }
}
