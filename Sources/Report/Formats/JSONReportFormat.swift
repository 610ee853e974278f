import BackstopModel
import Foundation

/// `report.json`: the machine-readable report, versioned (`schema`: ``RunReport/schemaVersion``) and
/// described by `schema/report.schema.json`: run, inputs, stages, counts, reconciliation context, history,
/// webhook health, every discrepancy (with its state, first run and attribution) and the resolved ones.
///
/// It is the contract for schedulers and dashboards: a change of meaning bumps ``RunReport/schemaVersion``
/// and the schema file, and `Tests/ReportTests` validates every rendering against the schema.
public struct JSONReportFormat: ReportFormat {
    /// The JSON format; it has no options.
    public init() {}

    /// `report.json`, in the run's report folder.
    public var fileName: String { "report.json" }

    /// Renders stable, pretty-printed JSON (keys in a fixed order, no wall-clock value of its own).
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the document's UTF-8 bytes are appended to.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        func line(_ text: String) { out.append(contentsOf: text.utf8); out.append(0x0A) }
        func opt(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        func int(_ v: Int64?) -> String { v.map { String($0) } ?? "null" }
        func object(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
        }
        let run = report.run
        line("{")
        line("  \"schema\": \(jsonString(RunReport.schemaVersion)),")
        line("  \"generator\": \(opt(report.generator)),")
        line("  \"run\": {")
        line("    \"id\": \(run.id),")
        line("    \"kind\": \(jsonString(run.kind)),")
        line("    \"status\": \(jsonString(run.status.rawValue)),")
        line("    \"outcome\": \(jsonString(report.outcome)),")
        line("    \"verdict\": \(jsonString(report.verdict)),")
        line("    \"started_at\": \(jsonString(ReportText.iso8601(run.startedAt))),")
        line("    \"finished_at\": \(opt(run.finishedAt.map(ReportText.iso8601))),")
        line("    \"duration_seconds\": \(run.finishedAt == nil ? "null" : ReportText.seconds(run.duration)),")
        line("    \"dry_run\": \(run.dryRun),")
        line("    \"exit_code\": \(run.exitCode.map(String.init) ?? "null"),")
        line("    \"host\": \(jsonString(run.host)),")
        line("    \"error\": \(opt(run.error.map(Redaction.redact))),")
        line("    \"stop_reason\": \(opt(report.stopReason)),")
        line("    \"last_success_at\": \(opt(report.lastSuccessAt.map(ReportText.iso8601)))")
        line("  },")
        line(
            "  \"inputs\": "
                + object(
                    report.inputs.sorted { $0.key < $1.key }.map { ($0.key, jsonString(Redaction.redact($0.value))) })
                + ",")
        line("  \"stages\": [")
        for (i, stage) in report.stages.enumerated() {
            line(
                "    "
                    + object([
                        ("name", jsonString(stage.name)), ("status", jsonString(stage.status)),
                        ("summary", jsonString(Redaction.redact(stage.summary))),
                        ("seconds", ReportText.seconds(stage.seconds)),
                    ]) + (i + 1 < report.stages.count ? "," : ""))
        }
        line("  ],")
        line("  \"counts\": " + object(report.countsByKind.map { ($0.kind.rawValue, String($0.count)) }) + ",")
        var severities: [Discrepancy.Severity: Int] = [:]
        for d in report.discrepancies { severities[d.severity, default: 0] += 1 }
        line(
            "  \"severity\": "
                + object(Discrepancy.Severity.allCases.map { ($0.rawValue, String(severities[$0] ?? 0)) }) + ",")
        line("  \"total\": \(report.discrepancies.count),")
        if let r = report.reconciliation {
            line(
                "  \"snapshot\": "
                    + object([
                        ("time", jsonString(r.snapshot.text)), ("source", jsonString(r.snapshot.source.rawValue)),
                        ("explanation", jsonString(r.snapshot.explanation)),
                    ]) + ",")
            line("  \"status_map\": \(jsonString(r.statusMapVersion)),")
            line(
                "  \"rows_compared\": "
                    + object(r.rowsCompared.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) }) + ",")
            line("  \"withheld_partial\": \(r.withheld),")
            line(
                "  \"systematic\": ["
                    + r.systematic.map {
                        object([
                            ("field", jsonString($0.field)), ("count", String($0.count)),
                            ("explanation", jsonString($0.explanation)),
                        ])
                    }.joined(separator: ", ") + "],")
        } else {
            line("  \"snapshot\": null,")
            line("  \"status_map\": null,")
            line("  \"rows_compared\": {},")
            line("  \"withheld_partial\": 0,")
            line("  \"systematic\": [],")
        }
        if let history = report.history {
            let counts = history.counts(report.discrepancies)
            let previous =
                history.previous.map {
                    object([
                        ("id", String($0.runID)), ("started_at", jsonString(ReportText.iso8601($0.startedAt))),
                        ("status", jsonString($0.status.rawValue)), ("total", String($0.total)),
                    ])
                } ?? "null"
            line("  \"history\": {")
            line("    \"previous_run\": \(previous),")
            line("    \"new\": \(counts[.new] ?? 0),")
            line("    \"persisting\": \(counts[.persisting] ?? 0),")
            line("    \"resolved\": \(counts[.resolved] ?? 0),")
            line("    \"resolved_computed\": \(history.resolvedComputed),")
            line(
                "    \"trend\": ["
                    + history.trend.map {
                        object([
                            ("run", String($0.runID)), ("started_at", jsonString(ReportText.iso8601($0.startedAt))),
                            ("status", jsonString($0.status.rawValue)), ("total", String($0.total)),
                        ])
                    }.joined(separator: ", ") + "]")
            line("  },")
        } else {
            line("  \"history\": null,")
        }
        if let health = report.webhookHealth {
            line("  \"webhook_health\": {")
            line(
                "    \"failures\": ["
                    + health.failures.map {
                        object([
                            ("failure", opt($0.failure?.rawValue)), ("title", opt($0.failure?.title)),
                            ("count", String($0.count)),
                        ])
                    }.joined(separator: ", ") + "],")
            line(
                "    \"causes\": ["
                    + health.causes.map {
                        object([
                            ("cause", jsonString($0.cause)), ("failure", opt($0.failure?.rawValue)),
                            ("text", opt($0.text)),
                            ("count", String($0.count)),
                        ])
                    }.joined(separator: ", ") + "],")
            line(
                "    \"latency\": ["
                    + health.latency.map {
                        object([
                            ("entity", jsonString($0.entity)), ("pairs", String($0.pairs)),
                            ("behind", String($0.behind)),
                            ("p50_seconds", int($0.p50Seconds)), ("p95_seconds", int($0.p95Seconds)),
                            ("max_seconds", int($0.maxSeconds)),
                        ])
                    }.joined(separator: ", ") + "],")
            line("    \"clock\": \(jsonString(health.clock))")
            line("  },")
        } else {
            line("  \"webhook_health\": null,")
        }
        if let similarity = report.similarity {
            line(
                "  \"similarity\": "
                    + object([
                        ("label", jsonString(similarity.label)),
                        ("threshold", similarity.threshold.map { String($0) } ?? "null"),
                        ("verifier", similarity.verifier.map(jsonString) ?? "null"),
                        ("candidate_pairs", similarity.candidatePairs.map { String($0) } ?? "null"),
                        ("rejected_pairs", similarity.rejectedPairs.map { String($0) } ?? "null"),
                        (
                            "bins",
                            "["
                                + similarity.bins.map {
                                    object([
                                        ("lower", String($0.lower)), ("upper", String($0.upper)),
                                        ("count", String($0.count)),
                                    ])
                                }.joined(separator: ", ") + "]"
                        ),
                    ]) + ",")
        } else {
            line("  \"similarity\": null,")
        }
        line("  \"discrepancies\": [")
        for (i, d) in report.discrepancies.enumerated() {
            line("    " + DiscrepancyJSON.object(d, in: report) + (i + 1 < report.discrepancies.count ? "," : ""))
        }
        line("  ],")
        let resolved = report.history?.resolved ?? []
        line("  \"resolved\": [")
        for (i, d) in resolved.enumerated() {
            line("    " + DiscrepancyJSON.object(d, in: nil) + (i + 1 < resolved.count ? "," : ""))
        }
        line("  ]")
        line("}")
    }
}

extension ReportFormat where Self == JSONReportFormat {
    /// The JSON report.
    public static var json: JSONReportFormat { JSONReportFormat() }
}
