import BackstopModel
import BackstopStore
import Foundation

/// `backstop.prom`: Prometheus text exposition for node_exporter's textfile collector (no sample
/// timestamps; HELP/TYPE once per metric). `backstop_last_success_timestamp_seconds` is written only by
/// runs that succeeded (clean or drift), so alerts on staleness work.
public struct PrometheusReportFormat: ReportFormat {
    /// Creates the format.
    public init() {}

    /// `backstop.prom`.
    public var fileName: String { "backstop.prom" }

    /// Renders the metrics.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        func line(_ text: String) { out.append(contentsOf: text.utf8); out.append(0x0A) }
        let run = report.run
        let job = "job=\"\(run.kind)\""
        line("# HELP backstop_last_run_timestamp_seconds When the last run of this job finished.")
        line("# TYPE backstop_last_run_timestamp_seconds gauge")
        line("backstop_last_run_timestamp_seconds{\(job)} \(Int64((run.finishedAt ?? run.startedAt).timeIntervalSince1970))")
        if run.status == "succeeded" || run.status == "drift" {
            line("# HELP backstop_last_success_timestamp_seconds When the last successful run of this job finished.")
            line("# TYPE backstop_last_success_timestamp_seconds gauge")
            line("backstop_last_success_timestamp_seconds{\(job)} \(Int64((run.finishedAt ?? run.startedAt).timeIntervalSince1970))")
        }
        line("# HELP backstop_run_duration_seconds Duration of the last run.")
        line("# TYPE backstop_run_duration_seconds gauge")
        line("backstop_run_duration_seconds{\(job)} \(String(format: "%.3f", run.duration))")
        line("# HELP backstop_run_exit_code Exit code of the last run (0 clean, 2 drift, 3 partial, 1 failed).")
        line("# TYPE backstop_run_exit_code gauge")
        line("backstop_run_exit_code{\(job)} \(run.exitCode ?? -1)")
        line("# HELP backstop_discrepancies Discrepancies found by the last run, by kind.")
        line("# TYPE backstop_discrepancies gauge")
        var counts: [DiscrepancyKind: Int] = [:]
        for d in report.discrepancies { counts[d.kind, default: 0] += 1 }
        for kind in DiscrepancyKind.allCases.sorted() {
            line("backstop_discrepancies{\(job),kind=\"\(kind.rawValue)\"} \(counts[kind] ?? 0)")
        }
        line("# HELP backstop_stage_duration_seconds Duration of each stage of the last run.")
        line("# TYPE backstop_stage_duration_seconds gauge")
        for stage in report.stages {
            line("backstop_stage_duration_seconds{\(job),stage=\"\(stage.name)\"} \(String(format: "%.3f", stage.seconds))")
        }
    }
}

extension ReportFormat where Self == PrometheusReportFormat {
    /// The Prometheus textfile.
    public static var prometheus: PrometheusReportFormat { PrometheusReportFormat() }
}
