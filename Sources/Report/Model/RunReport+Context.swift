import BackstopModel
import Foundation

extension RunReport {
    /// The part of a report that is not in the run's ledger row or its discrepancies: stored with the run
    /// (`backstop.run.report`) so `backstop report --run N` renders the same report again.
    ///
    /// `RunSession` saves it as JSON when a run finishes (also for a failed or stopped run);
    /// `ReportAssembler` reads it back, adds the run's row, its discrepancies and history from the ledger,
    /// and applies it with ``RunReport/apply(_:)``. The encoding is versioned by ``schema`` and decoded
    /// leniently enough that a context written by this version stays readable.
    public struct Context: Sendable, Hashable, Codable {
        /// The schema of this object (`backstop.report-context/1`); bump it when a field changes meaning.
        public var schema = "backstop.report-context/1"
        /// The stages.
        public var stages: [Stage]
        /// The inputs (redacted).
        public var inputs: [String: String]
        /// The reconciliation's context.
        public var reconciliation: Reconciliation?
        /// Webhook health.
        public var webhookHealth: WebhookHealth?
        /// The index stage's similarity histogram.
        public var similarity: SimilarityHistogram?
        /// Why the run stopped early.
        public var stopReason: String?
        /// The program that wrote it.
        public var generator: String?
        /// Whether the run read partial input or stopped early: its absence of a finding proves nothing, so it
        /// resolves no earlier finding in the history.
        public var partial: Bool

        /// Gathers what a stored report needs beside the ledger's rows.
        /// - Parameters:
        ///   - stages: The stage lines in order.
        ///   - inputs: What was read, by name, secrets redacted.
        ///   - reconciliation: The reconcile stage's context, when it ran.
        ///   - webhookHealth: Findings per cause and sync latency, when reconcile ran.
        ///   - similarity: The index stage's histogram, when it ran.
        ///   - stopReason: Why the run stopped early, when it did.
        ///   - generator: The program and version that wrote it.
        ///   - partial: Whether the run's findings are incomplete.
        public init(
            stages: [Stage], inputs: [String: String], reconciliation: Reconciliation?, webhookHealth: WebhookHealth?,
            similarity: SimilarityHistogram?, stopReason: String?, generator: String?, partial: Bool
        ) {
            self.stages = stages
            self.inputs = inputs
            self.reconciliation = reconciliation
            self.webhookHealth = webhookHealth
            self.similarity = similarity
            self.stopReason = stopReason
            self.generator = generator
            self.partial = partial
        }

        /// The context as stable JSON for `backstop.run.report`: sorted keys and unescaped slashes, so the
        /// same context always encodes to the same text.
        /// - Returns: One JSON object.
        /// - Throws: ``ReportError`` with code `encoding` (a non-finite number, for one).
        public func json() throws(ReportError) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            do {
                return String(decoding: try encoder.encode(self), as: UTF8.self)
            } catch {
                throw ReportError(.encoding, "cannot encode the report context: \(error)")
            }
        }

        /// Reads a context stored by ``json()``.
        /// - Parameter json: The text of `backstop.run.report`.
        /// - Throws: ``ReportError`` with code `decoding` when the text is not a context of this schema.
        public init(json: String) throws(ReportError) {
            do {
                self = try JSONDecoder().decode(Context.self, from: Data(json.utf8))
            } catch {
                throw ReportError(.decoding, "cannot read the stored report context: \(error)")
            }
        }
    }

    /// This report's context, for storing with the run. A `partial` or stopped run's context says so.
    public var context: Context {
        Context(
            stages: stages, inputs: inputs, reconciliation: reconciliation, webhookHealth: webhookHealth,
            similarity: similarity, stopReason: stopReason, generator: generator,
            partial: run.status == .partial || run.status.isStoppedEarly)
    }

    /// Replaces this report's stages, inputs, reconciliation, webhook health, similarity, stop reason and
    /// generator with a stored context's; the run, its discrepancies and history stay as they are.
    /// - Parameter context: A context read back from the ledger.
    public mutating func apply(_ context: Context) {
        stages = context.stages
        inputs = context.inputs
        reconciliation = context.reconciliation
        webhookHealth = context.webhookHealth
        similarity = context.similarity
        stopReason = context.stopReason
        generator = context.generator
    }
}
