import BackstopModel
import Foundation

extension RunReport {
    /// The part of a report that is not in the run's ledger row or its discrepancies: stored with the run
    /// (`backstop.run.report`) so `backstop report --run N` renders the same report again.
    public struct Context: Sendable, Hashable, Codable {
        /// The schema of this object.
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
        /// Whether the run read partial input (it resolves no earlier finding).
        public var partial: Bool

        /// Creates a context.
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

        /// Stable JSON (sorted keys).
        public func json() throws(ReportError) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            do {
                return String(decoding: try encoder.encode(self), as: UTF8.self)
            } catch {
                throw ReportError(.encoding, "cannot encode the report context: \(error)")
            }
        }

        /// Decodes a stored context.
        public init(json: String) throws(ReportError) {
            do {
                self = try JSONDecoder().decode(Context.self, from: Data(json.utf8))
            } catch {
                throw ReportError(.decoding, "cannot read the stored report context: \(error)")
            }
        }
    }

    /// This report's context.
    public var context: Context {
        Context(
            stages: stages, inputs: inputs, reconciliation: reconciliation, webhookHealth: webhookHealth,
            similarity: similarity, stopReason: stopReason, generator: generator,
            partial: run.status == .partial || run.status.isStoppedEarly)
    }

    /// Applies a stored context to this report.
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
