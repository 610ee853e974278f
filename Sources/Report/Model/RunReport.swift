public import BackstopModel
public import Foundation

/// Everything a run's report shows: the run, what each stage read and did, every discrepancy with its
/// history and attribution, and the run's context (snapshot, rows compared, webhook health). One model,
/// rendered by every ``ReportFormat``.
///
/// A report is a value assembled once at the end of a run (by `RunJob`, `ReindexJob` or, for a recorded
/// run, `ReportAssembler` from the ledger) and then only read: formats render it, never change it. Nothing
/// in it comes from the wall clock at render time, so the same report renders the same bytes, which is what
/// `backstop report --run N` and the golden-file tests rely on.
///
/// ```swift
/// var bytes: [UInt8] = []
/// MarkdownReportFormat().render(report, into: &bytes)  // report.md's bytes
/// try ReportWriter.write(report, formats: [MarkdownReportFormat(), JSONReportFormat()], to: folder)
/// ```
public struct RunReport: Sendable {
    /// The version of `report.json` (and of `schema/report.schema.json`).
    public static let schemaVersion = "backstop.report/2"

    /// What one stage did, for the report's stage table, `junit.xml`'s test cases and the stored context.
    ///
    /// The pipeline's `StageRunner` writes one line per stage it runs, stops or skips, and jobs add
    /// warning lines of their own (`index.embeddings` when `product_embeddings` is missing).
    public struct Stage: Sendable, Hashable, Codable {
        /// Stage name (`extract.dump`, `extract.catalog`, `reconcile`, `index`, …).
        public var name: String
        /// `ok`, `partial` (it read partial input), `skipped` (not part of this run), `stopped` (by the time
        /// limit or a signal, before or during the stage) or `failed`. A string, not an enum, because stored
        /// contexts of older runs are read back as they were written.
        public var status: String
        /// One line of what happened (rows read, findings, why it stopped); a failed stage's error with
        /// secrets redacted.
        public var summary: String
        /// Elapsed seconds, measured on the monotonic clock; 0 for a stage that did not run.
        public var seconds: Double

        /// Records one line of the stage table.
        /// - Parameters:
        ///   - name: The stage's name, dotted by concern (`extract.dump`).
        ///   - status: `ok`, `partial`, `skipped`, `stopped` or `failed`.
        ///   - summary: One line for people.
        ///   - seconds: Elapsed seconds.
        public init(name: String, status: String, summary: String, seconds: Double) {
            self.name = name
            self.status = status
            self.summary = summary
            self.seconds = seconds
        }
    }

    /// The run's ledger row: id, kind, status, times, shop and the command line (redacted).
    public var run: RunRecord
    /// The stages in the order they ran (skipped and stopped ones included).
    public var stages: [Stage]
    /// Every discrepancy found, in report order (kind, then key, field and item), each a rendering of one
    /// reconcile change or index finding.
    public var discrepancies: [Discrepancy]
    /// Inputs by name (e.g. `dump` → path), for the header; secrets already redacted. `shop_id`, when
    /// present, is the run's shop: NDJSON and CSV add it to every finding and `metrics.prom` makes it a
    /// `shop` label.
    public var inputs: [String: String]
    /// What the reconciliation compared and stated beside the discrepancies (absent when it did not run).
    public var reconciliation: Reconciliation?
    /// The findings against the previous comparable run (absent when the ledger has no history).
    public var history: RunHistory?
    /// What the webhooks missed: findings per cause and sync latency (absent when reconcile did not run).
    public var webhookHealth: WebhookHealth?
    /// The similarity-score histogram of the index stage, once it runs.
    public var similarity: SimilarityHistogram?
    /// When the newest successful run of this kind finished (this one, or an earlier one). A failed run
    /// carries an earlier run's time, so `backstop_last_success_timestamp_seconds` never moves backwards or
    /// resets on a failure; `nil` when no run of the kind has succeeded yet.
    public var lastSuccessAt: Date?
    /// Why the run stopped early (the time limit or a signal, and where), when it did; shown in the header
    /// of report.md and report.html so a partial report is never mistaken for a complete one.
    public var stopReason: String?
    /// The program that wrote the report (`backstop 0.1.0`).
    public var generator: String?

    /// Assembles a report from what the run's stages produced.
    /// - Parameters:
    ///   - run: The run's ledger row.
    ///   - stages: The stage lines in order.
    ///   - discrepancies: Every finding, in report order.
    ///   - inputs: What was read, by name; redact secrets before passing them.
    ///   - reconciliation: The reconcile stage's context; `nil` when it did not run.
    ///   - history: The comparison with the previous comparable run; `nil` without one.
    ///   - webhookHealth: Findings per cause and sync latency; `nil` when reconcile did not run.
    ///   - similarity: The index stage's histogram; `nil` when it did not run.
    ///   - lastSuccessAt: When the newest successful run of this kind finished, for `metrics.prom`.
    ///   - stopReason: Why the run stopped early, when it did.
    ///   - generator: The program and version that wrote it.
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
    ///
    /// This is what makes a finding count readable: 98 discrepancies among how many rows, judged at which
    /// "now", with which status map, and how many absence-based findings a partial dump held back.
    public struct Reconciliation: Sendable, Hashable, Codable {
        /// One systematic loss of the webhook path, counted instead of itemised: a field the webhook never
        /// carries (every product's `type`) would otherwise be one finding per product and bury the rest.
        public struct Systematic: Sendable, Hashable, Codable {
            /// `entity.field` (`product.type`).
            public var field: String
            /// Products affected.
            public var count: Int
            /// What the webhook does.
            public var explanation: String

            /// Records one systematic loss.
            /// - Parameters:
            ///   - field: `entity.field`.
            ///   - count: Rows affected.
            ///   - explanation: What the webhook does with the field.
            public init(field: String, count: Int, explanation: String) {
                self.field = field
                self.count = count
                self.explanation = explanation
            }
        }

        /// "Now" for every time rule (`ACTIVE_FROM`/`ACTIVE_TO`) and where it came from: the dump's footer,
        /// `--snapshot-time` or the newest row time; never the wall clock.
        public var snapshot: SnapshotTime
        /// The order status map's version (`status-map/1`), so a finding's status comparison can be traced
        /// to the mapping it used.
        public var statusMapVersion: String
        /// Rows read per entity and side (`product.bitrix`, `product.catalog`, `product.matched` = on both
        /// sides, and the same for `order`), for the report's header and the `backstop_rows_compared` metric.
        public var rowsCompared: [String: Int]
        /// Systematic losses, one line per field.
        public var systematic: [Systematic]
        /// Absence-based findings withheld because the input is partial.
        public var withheld: Int

        /// Records the reconciliation's context.
        /// - Parameters:
        ///   - snapshot: "Now" and its source.
        ///   - statusMapVersion: The order status map's version.
        ///   - rowsCompared: Rows compared per table and side.
        ///   - systematic: Systematic losses, one line per field.
        ///   - withheld: Absence-based findings held back because the input is partial.
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

    /// Discrepancy counts by kind, in `DiscrepancyKind` order (kinds without findings left out).
    ///
    /// - Complexity: O(*n* + *k* log *k*) for *n* discrepancies of *k* kinds; computed on each access.
    public var countsByKind: [(kind: DiscrepancyKind, count: Int)] {
        var counts: [DiscrepancyKind: Int] = [:]
        for d in discrepancies { counts[d.kind, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The discrepancies grouped by kind, kinds in `DiscrepancyKind` order, each group in report order.
    /// Formats with a section or a file per kind (Markdown, HTML, CSV) iterate this.
    public var byKind: [(kind: DiscrepancyKind, items: [Discrepancy])] {
        var groups: [DiscrepancyKind: [Discrepancy]] = [:]
        for d in discrepancies { groups[d.kind, default: []].append(d) }
        return groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The run's verdict in one sentence for the top of report.md and report.html (`3 discrepancies found.`,
    /// `No discrepancies.`); a run that stopped early says its findings are incomplete.
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

    /// The run's outcome class for colours and icons: `ok` (clean), `warn` (drift, or findings from a
    /// partial or stopped run) or `fail` (no trustworthy findings: failed, refused, abandoned, still running).
    public var outcome: String {
        switch run.status {
        case .succeeded: "ok"
        case .drift, .partial, .timedOut, .stopped: "warn"
        case .running, .refused, .failed, .abandoned: "fail"
        }
    }

    /// The history state of a finding of this run: new, or persisting since an earlier run.
    /// - Parameter discrepancy: One of this report's discrepancies.
    /// - Returns: Its state, or `nil` when the report has no history.
    public func state(of discrepancy: Discrepancy) -> RunHistory.State? { history?.state(of: discrepancy) }

    /// The failure of the real-time path a finding is attributed to, through its cause code.
    /// - Parameter discrepancy: One of this report's discrepancies.
    /// - Returns: The failure, or `nil` without webhook health or for a cause this build does not attribute.
    public func webhookFailure(of discrepancy: Discrepancy) -> WebhookFailure? {
        webhookHealth?.failure(ofCause: discrepancy.cause)
    }
}
