import BackstopIndex
import BackstopMerge
import BackstopModel
import BackstopReconcile
import BackstopReport

extension RunJob {
    /// What the stages of a run found, gathered for its report: filled in as the stages hand on their
    /// outputs, read by the run's end (``finish(_:runner:found:)``) or its failure report.
    ///
    /// A class, so that the stages and the failure report share the one record the run builds.
    final class Findings {
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

        /// Takes the `plan` stage's output: the plan's summary, its changes rendered as findings, and the
        /// reconciliation's context. Nothing changes when the stage did not run.
        /// - Parameter planned: The `plan` stage's output; `nil` when it stopped or did not run.
        func record(_ planned: Planned?) {
            guard let planned else { return }
            let result = planned.reconciled.result
            merge = MergeSummary(plan: planned.plan)
            discrepancies = planned.planning.changes.map { $0.discrepancy(causes: planned.reconciled.causes) }
            reconciliation = RunReport.Reconciliation(
                snapshot: result.snapshot, statusMapVersion: result.statusMapVersion,
                rowsCompared: result.rowsCompared,
                systematic: result.systematic.counts.sorted { $0.key < $1.key }.map {
                    .init(field: $0.key.rawValue, count: $0.value, explanation: $0.key.explanation)
                },
                withheld: result.withheld)
        }

        /// Takes the `index` stage's outcome: its `embedding.*` and `image.*` findings join the
        /// reconciliation's, and its scores become the report's histogram.
        /// - Parameters:
        ///   - outcome: The index stage's outcome.
        ///   - threshold: The near-duplicate threshold, drawn on the histogram.
        func record(_ outcome: IndexStage.Outcome, threshold: Float) {
            discrepancies += outcome.discrepancies
            similarity = RunJob.similarityHistogram(outcome, threshold: threshold)
        }
    }
}
