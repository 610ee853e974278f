public import BackstopModel
public import Foundation

/// Everything a run's report shows: the run, what each stage read and did, every discrepancy with its
/// history and attribution, and the run's context (snapshot, rows compared, webhook health). One model,
/// rendered by every ``ReportFormat``.
public struct RunReport: Sendable {
    /// The version of `report.json` (and of `schema/report.schema.json`).
    public static let schemaVersion = "backstop.report/2"

    /// What one stage did, for the report's stage table.
    public struct Stage: Sendable, Hashable, Codable {
        /// Stage name (`extract.dump`, `extract.catalog`, `reconcile`, `index`, …).
        public var name: String
        /// `ok`, `partial`, `skipped`, `stopped` (by `--max-seconds`) or `failed`.
        public var status: String
        /// One line of what happened.
        public var summary: String
        /// Wall-clock seconds.
        public var seconds: Double

        /// Creates a stage line.
        public init(name: String, status: String, summary: String, seconds: Double) {
            self.name = name
            self.status = status
            self.summary = summary
            self.seconds = seconds
        }
    }

    /// The run.
    public var run: RunRecord
    /// The stages in order.
    public var stages: [Stage]
    /// Every discrepancy found, in report order.
    public var discrepancies: [Discrepancy]
    /// Inputs by name (e.g. `dump` → path), for the header; secrets already redacted.
    public var inputs: [String: String]
    /// What the reconciliation compared and stated beside the discrepancies (absent when it did not run).
    public var reconciliation: Reconciliation?
    /// The findings against the previous comparable run (absent when the ledger has no history).
    public var history: RunHistory?
    /// What the webhooks missed: findings per cause and sync latency (absent when reconcile did not run).
    public var webhookHealth: WebhookHealth?
    /// The similarity-score histogram of the index stage, once it runs.
    public var similarity: SimilarityHistogram?
    /// When the newest successful run of this kind finished (this one, or an earlier one).
    public var lastSuccessAt: Date?
    /// Why the run stopped early (`--max-seconds`), when it did.
    public var stopReason: String?
    /// The program that wrote the report (`backstop 0.1.0`).
    public var generator: String?

    /// Creates a report.
    public init(
        run: RunRecord, stages: [Stage], discrepancies: [Discrepancy], inputs: [String: String],
        reconciliation: Reconciliation? = nil, history: RunHistory? = nil, webhookHealth: WebhookHealth? = nil,
        similarity: SimilarityHistogram? = nil, lastSuccessAt: Date? = nil, stopReason: String? = nil,
        generator: String? = nil
    ) {
        self.run = run
        self.stages = stages
        self.discrepancies = discrepancies
        self.inputs = inputs
        self.reconciliation = reconciliation
        self.history = history
        self.webhookHealth = webhookHealth
        self.similarity = similarity
        self.lastSuccessAt = lastSuccessAt
        self.stopReason = stopReason
        self.generator = generator
    }

    /// The context of a reconciliation: snapshot time, rows compared, systematic losses.
    public struct Reconciliation: Sendable, Hashable, Codable {
        /// One systematic loss of the webhook path, counted instead of itemised.
        public struct Systematic: Sendable, Hashable, Codable {
            /// `entity.field` (`product.type`).
            public var field: String
            /// Products affected.
            public var count: Int
            /// What the webhook does.
            public var explanation: String

            /// Creates a line.
            public init(field: String, count: Int, explanation: String) {
                self.field = field
                self.count = count
                self.explanation = explanation
            }
        }

        /// "Now" for every time rule.
        public var snapshot: SnapshotTime
        /// The order status map's version.
        public var statusMapVersion: String
        /// Rows compared per table and side.
        public var rowsCompared: [String: Int]
        /// Systematic losses, one line per field.
        public var systematic: [Systematic]
        /// Absence-based findings withheld because the input is partial.
        public var withheld: Int

        /// Creates the context.
        public init(
            snapshot: SnapshotTime, statusMapVersion: String, rowsCompared: [String: Int], systematic: [Systematic],
            withheld: Int
        ) {
            self.snapshot = snapshot
            self.statusMapVersion = statusMapVersion
            self.rowsCompared = rowsCompared
            self.systematic = systematic
            self.withheld = withheld
        }
    }

    /// Discrepancy counts by kind, in kind order (kinds without findings left out).
    public var countsByKind: [(kind: DiscrepancyKind, count: Int)] {
        var counts: [DiscrepancyKind: Int] = [:]
        for d in discrepancies { counts[d.kind, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The discrepancies grouped by kind, kinds in order.
    public var byKind: [(kind: DiscrepancyKind, items: [Discrepancy])] {
        var groups: [DiscrepancyKind: [Discrepancy]] = [:]
        for d in discrepancies { groups[d.kind, default: []].append(d) }
        return groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The run's verdict in a few words (`3 discrepancies found`, `no discrepancies`, …).
    public var verdict: String {
        switch run.status {
        case .succeeded: return "No discrepancies."
        case .drift: return "\(discrepancies.count) discrepanc\(discrepancies.count == 1 ? "y" : "ies") found."
        case .partial: return "Partial input: \(discrepancies.count) findings, incomplete."
        case .timedOut: return "Stopped by the time limit: \(discrepancies.count) findings, incomplete."
        case .stopped: return "Stopped by a signal: \(discrepancies.count) findings, incomplete."
        case .running: return "Still running."
        case .refused, .failed, .abandoned: return "Run \(run.status)."
        }
    }

    /// The run's outcome class for colours and icons: `ok`, `warn` or `fail`.
    public var outcome: String {
        switch run.status {
        case .succeeded: "ok"
        case .drift, .partial, .timedOut, .stopped: "warn"
        case .running, .refused, .failed, .abandoned: "fail"
        }
    }

    /// The history state of a finding of this run (`nil` without history).
    public func state(of discrepancy: Discrepancy) -> RunHistory.State? { history?.state(of: discrepancy) }

    /// The webhook failure a finding is attributed to (`nil` when unknown).
    public func webhookFailure(of discrepancy: Discrepancy) -> WebhookFailure? {
        webhookHealth?.failure(ofCause: discrepancy.cause)
    }
}
