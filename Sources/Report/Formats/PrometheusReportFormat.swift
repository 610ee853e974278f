import BackstopModel
import Foundation

/// `metrics.prom`: Prometheus text exposition for node_exporter's textfile collector: no sample
/// timestamps, HELP and TYPE once per metric, label values escaped, written atomically (``ReportWriter``).
/// `backstop_last_success_timestamp_seconds` carries the newest successful run of the kind (this one or an
/// earlier one), so a failed run never resets it and "has not succeeded for two periods" alerts work.
///
/// Every sample has a `run_kind` label (`nightly`, `diff`): not `job`, which Prometheus sets on scrape; and a
/// `shop` label (the run's shop), so the per-shop files of a fleet run can share one textfile folder.
///
/// Every metric is a gauge of the last run, and every series a kind, state or failure can have is written
/// even at 0, so a series never disappears between runs (which would look like a scrape gap to an alert).
/// `Tests/ReportTests` checks the file with `promtool check metrics`. Example alerts:
///
/// ```
/// time() - backstop_last_success_timestamp_seconds{run_kind="nightly"} > 2 * 86400
/// backstop_discrepancies_by_state{state="new"} > 0
/// ```
public struct PrometheusReportFormat: ReportFormat {
    /// The Prometheus format; it has no options.
    public init() {}

    /// `metrics.prom`, in the run's report folder (point node_exporter's `--collector.textfile.directory`
    /// at a folder the run publishes it to).
    public var fileName: String { "metrics.prom" }

    /// Renders the metric families: last run and last success times, run id, duration, exit code, whether
    /// it was partial, discrepancies per kind, per history state and per webhook failure, sync latency and
    /// rows behind, rows compared per table and side, and each stage's duration.
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the exposition text's UTF-8 bytes are appended to.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        let run = report.run
        var writer = Writer(base: [("run_kind", run.kind)] + (report.inputs["shop_id"].map { [("shop", $0)] } ?? []))
        writer.metric("backstop_last_run_timestamp_seconds", "When the last run of this kind finished (Unix time).")
        writer.sample(value: integer((run.finishedAt ?? run.startedAt).timeIntervalSince1970))
        let succeeded = run.status == .succeeded || run.status == .drift
        if let last = succeeded ? (run.finishedAt ?? run.startedAt) : report.lastSuccessAt {
            writer.metric(
                "backstop_last_success_timestamp_seconds",
                "When the last successful (clean or drift) run of this kind finished (Unix time).")
            writer.sample(value: integer(last.timeIntervalSince1970))
        }
        writer.metric("backstop_last_run_id", "The id of the last run of this kind in backstop.run.")
        writer.sample(value: String(run.id))
        writer.metric("backstop_run_duration_seconds", "Duration of the last run.")
        writer.sample(value: ReportText.seconds(run.finishedAt == nil ? 0 : run.duration))
        writer.metric(
            "backstop_run_exit_code",
            "Exit code of the last run (0 clean, 1 error, 2 drift, 3 partial, 4 refused, 75 locked, 124 timed out, 129/130/143 stopped by a signal)."
        )
        writer.sample(value: String(run.exitCode ?? -1))
        writer.metric("backstop_run_partial", "1 when the last run read partial input or stopped early, else 0.")
        writer.sample(value: run.status == .partial || run.status.isStoppedEarly ? "1" : "0")

        writer.metric("backstop_discrepancies", "Discrepancies found by the last run, by kind.")
        var counts: [DiscrepancyKind: Int] = [:]
        for d in report.discrepancies { counts[d.kind, default: 0] += 1 }
        for kind in DiscrepancyKind.allCases.sorted() {
            writer.sample([("kind", kind.rawValue)], value: String(counts[kind] ?? 0))
        }
        if let history = report.history {
            writer.metric(
                "backstop_discrepancies_by_state",
                "Findings of the last run that are new or persisting, and findings of the previous run it resolved.")
            let states = history.counts(report.discrepancies)
            for state in RunHistory.State.allCases {
                writer.sample([("state", state.rawValue)], value: String(states[state] ?? 0))
            }
        }
        if let health = report.webhookHealth {
            writer.metric(
                "backstop_discrepancies_by_failure",
                "Findings of the last run by the failure of the real-time path they are attributed to.")
            let failures = Dictionary(health.failures.map { ($0.failure?.rawValue ?? "unattributed", $0.count) }) {
                $0 + $1
            }
            for failure in WebhookFailure.allCases.map(\.rawValue) + ["unattributed"] {
                writer.sample([("failure", failure)], value: String(failures[failure] ?? 0))
            }
            if !health.latency.isEmpty {
                writer.metric(
                    "backstop_sync_latency_seconds",
                    "Bitrix change to catalog updated_at over matched rows that caught up: p50, p95 and max.")
                for l in health.latency {
                    for (statistic, value) in [("p50", l.p50Seconds), ("p95", l.p95Seconds), ("max", l.maxSeconds)] {
                        guard let value else { continue }
                        writer.sample([("entity", l.entity), ("statistic", statistic)], value: String(value))
                    }
                }
                writer.metric(
                    "backstop_sync_behind_rows", "Matched rows whose catalog time is older than Bitrix's last change.")
                for l in health.latency { writer.sample([("entity", l.entity)], value: String(l.behind)) }
            }
        }
        if let r = report.reconciliation {
            writer.metric(
                "backstop_rows_compared", "Rows the last run read per table and side (matched = on both sides).")
            for (name, value) in r.rowsCompared.sorted(by: { $0.key < $1.key }) {
                let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                writer.sample(
                    [("table", parts[0]), ("side", parts.count > 1 ? parts[1] : "all")], value: String(value))
            }
        }
        writer.metric("backstop_stage_duration_seconds", "Duration of each stage of the last run.")
        for stage in report.stages {
            writer.sample([("stage", stage.name)], value: ReportText.seconds(stage.seconds))
        }
        out += writer.bytes
    }

    /// Whole seconds of a Unix time, rounded down, as an integer literal (no exponent, no fraction).
    /// - Parameter seconds: Seconds since 1970.
    /// - Returns: The sample's value text.
    func integer(_ seconds: TimeInterval) -> String { String(Int64(seconds.rounded(.down))) }

    /// Appends metric families: `# HELP`, `# TYPE … gauge`, then samples with escaped label values.
    struct Writer {
        /// Labels every sample carries first (`run_kind`, and `shop` when the run has one).
        let base: [(String, String)]
        /// The exposition text so far.
        var bytes: [UInt8] = []
        /// The current family's name, used by `sample(_:value:)`.
        var name = ""

        /// A writer whose samples all carry `base`.
        /// - Parameter base: Label names and values, in order.
        init(base: [(String, String)]) { self.base = base }

        /// Starts a metric family: `# HELP` (backslashes and line feeds escaped) and `# TYPE … gauge`.
        /// Call it once per family, before its samples.
        /// - Parameters:
        ///   - name: The metric name (`backstop_…`).
        ///   - help: One line for people.
        mutating func metric(_ name: String, _ help: String) {
            self.name = name
            let escapedHelp = help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\n", with: "\\n")
            bytes += Array("# HELP \(name) \(escapedHelp)\n# TYPE \(name) gauge\n".utf8)
        }

        /// Appends one sample of the current family: the base labels, then `labels`, values escaped.
        /// - Parameters:
        ///   - labels: The sample's own labels.
        ///   - value: The value as text (integers and `ReportText.seconds` decimals).
        mutating func sample(_ labels: [(String, String)] = [], value: String) {
            let all = (base + labels).map { "\($0.0)=\"\(ReportText.promLabel($0.1))\"" }.joined(separator: ",")
            bytes += Array("\(name){\(all)} \(value)\n".utf8)
        }
    }
}

extension ReportFormat where Self == PrometheusReportFormat {
    /// The Prometheus textfile for node_exporter.
    public static var prometheus: PrometheusReportFormat { PrometheusReportFormat() }
}
