import BackstopMerge
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// An apply run in the ledger: its row, the plan stored for it, and its end (refused, stopped, done).
extension ApplyJob {
    /// Begins the `apply` run in the ledger (it has no report folder).
    /// - Parameters:
    ///   - plan: The plan to apply.
    ///   - connection: The catalog connection, holding the plan's shop lock.
    /// - Returns: The run's session.
    /// - Throws: `PGError` when the ledger cannot be written.
    func begin(_ plan: MergePlan, on connection: PGConnection) throws -> RunSession {
        try RunSession(
            kind: "apply", dryRun: false,
            inputs: [
                "catalog": connection.endpoint, "plan": plan.planID.map(String.init) ?? "new", "source": sourceLabel,
                "shop_id": String(plan.shopID),
            ], arguments: arguments, version: version, connection: connection, configuration: configuration,
            logger: logger, reportDirectory: { _ in nil })
    }

    /// Ends an apply the safety valve or the ledger refused: each refusal logged, the run recorded `refused`
    /// with the plan's step count, nothing written.
    /// - Parameters:
    ///   - review: The plan's review, with its blocking refusals.
    ///   - session: The apply run's session.
    /// - Returns: The `refused` result (exit 4).
    /// - Throws: `PGError` when the ledger cannot be written.
    func refuse(_ review: Review, session: RunSession) throws -> Result {
        for refusal in review.blocking {
            logger.error(
                "apply refused",
                metadata: ["refusal.code": "\(refusal.code.rawValue)", "refusal": "\(refusal.message)"])
        }
        try session.finish(
            .refused, findings: nil, counts: ["steps": review.plan.writeCount], partial: false,
            error: review.blocking.map(\.description).joined(separator: "; "))
        return Result(
            status: .refused, plan: review.plan, run: session.run, refusals: review.blocking,
            text: review.listing + "\n\nrefused: nothing written")
    }

    /// The plan as the store holds it: the stored one when the plan came from the store (so an interrupted
    /// apply resumes), else the plan saved now as a new plan of the apply run.
    /// - Parameters:
    ///   - plan: The plan to apply.
    ///   - stored: Its stored state, when it is in the store.
    ///   - store: The plan store.
    ///   - runID: The apply run, which a newly saved plan belongs to.
    /// - Returns: The stored plan.
    /// - Throws: ``PipelineError`` (`plan`) when the plan cannot be stored; `PGError`.
    func storing(_ plan: MergePlan, _ stored: StoredPlan?, in store: PlanStore, runID: Int64) throws -> StoredPlan {
        if let stored { return stored }
        var plan = plan
        plan.planID = nil
        let saved = try store.save(plan, runID: runID, source: sourceLabel)
        guard let stored = try saved.planID.flatMap({ try store.load(planID: $0) }) else {
            throw PipelineError(.plan, "the plan could not be stored")
        }
        return stored
    }

    /// Ends an apply whose stage completed or stopped: the status (stopped 124 or 128 + signal, drift 2 when
    /// steps conflicted, clean 0), the ledger's row with the counts, and the text with the conflicts.
    ///
    /// A signal that cancelled the batch in flight leaves no outcome: that batch was rolled back whole and
    /// the ones before it stay; the same apply finishes the plan.
    /// - Parameters:
    ///   - outcome: The apply stage's outcome; `nil` when a signal cancelled a batch in flight.
    ///   - plan: The stored plan.
    ///   - session: The apply run's session.
    ///   - stop: The run's switch.
    /// - Returns: The apply's result for the CLI.
    /// - Throws: `PGError` when the ledger cannot be written.
    func finish(_ outcome: ApplyOutcome?, plan: MergePlan, session: RunSession, stop: StopSwitch) throws -> Result {
        guard let outcome else {
            let status = stop.stoppedStatus
            let reason = stop.reached(" during a batch (rolled back whole); the same apply finishes the plan")
            try session.finish(status, findings: nil, partial: false, error: reason, signal: stop.signalNumber)
            return Result(status: status, plan: plan, run: session.run, text: "stopped: \(reason)")
        }
        let status: ExitStatus = outcome.stopped ? stop.stoppedStatus : outcome.conflicts.isEmpty ? .clean : .drift
        let stopReason = outcome.stopped ? stop.reached(" between batches; the same apply finishes the plan") : nil
        try session.finish(
            status, findings: nil,
            counts: [
                "applied": outcome.applied, "conflicts": outcome.conflicts.count, "skipped": outcome.skipped,
                "already_done": outcome.alreadyDone, "batches": outcome.batches, "rows": outcome.rowsWritten,
            ], partial: false, error: stopReason, signal: outcome.stopped ? stop.signalNumber : nil)
        var text = "plan \(plan.planID.map(String.init) ?? "-"): " + PlanPreview.summary(outcome)
        if let stopReason { text += "\nstopped: \(stopReason)" }
        if !outcome.conflicts.isEmpty {
            text += "\nnot written, the row changed since the plan was made (the newer write is kept):"
            for step in outcome.conflicts.prefix(listLimit * 5) { text += "\n  conflict " + PlanPreview.line(step) }
            if outcome.conflicts.count > listLimit * 5 {
                text += "\n  … and \(outcome.conflicts.count - listLimit * 5) more"
            }
        }
        return Result(status: status, plan: plan, run: session.run, outcome: outcome, text: text)
    }
}
