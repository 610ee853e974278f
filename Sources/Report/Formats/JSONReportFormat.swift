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

    /// Renders stable, pretty-printed JSON through `JSONEncoder` (keys sorted, no wall-clock value of its
    /// own): a ``ReportDocument`` built from the report.
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the document's UTF-8 bytes (and a final newline) are appended to.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every value is a string, number, bool or null: encoding cannot fail.
        guard let data = try? encoder.encode(Self.document(report)) else {
            preconditionFailure("report.json: a ReportDocument always encodes")
        }
        out.append(contentsOf: data)
        out.append(0x0A)
    }

    /// The report as the document `schema/report.schema.json` describes.
    static func document(_ report: RunReport) -> ReportDocument {
        func seconds(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        let run = report.run
        var severities: [String: Int] = [:]
        for severity in Discrepancy.Severity.allCases { severities[severity.rawValue] = 0 }
        for d in report.discrepancies { severities[d.severity.rawValue, default: 0] += 1 }
        let r = report.reconciliation
        let history = report.history.map { history in
            let counts = history.counts(report.discrepancies)
            func point(_ p: RunHistory.Point, idKey: String) -> ReportDocument.PastRun {
                .init(
                    id: p.runID, startedAt: ReportText.iso8601(p.startedAt), status: p.status.rawValue, total: p.total,
                    idKey: idKey)
            }
            return ReportDocument.History(
                previousRun: history.previous.map { point($0, idKey: "id") }, new: counts[.new] ?? 0,
                persisting: counts[.persisting] ?? 0, resolved: counts[.resolved] ?? 0,
                resolvedComputed: history.resolvedComputed, trend: history.trend.map { point($0, idKey: "run") })
        }
        let health = report.webhookHealth.map { health in
            ReportDocument.Health(
                failures: health.failures.map {
                    .init(failure: $0.failure?.rawValue, title: $0.failure?.title, count: $0.count)
                },
                causes: health.causes.map {
                    .init(cause: $0.cause, failure: $0.failure?.rawValue, text: $0.text, count: $0.count)
                },
                latency: health.latency.map {
                    .init(
                        entity: $0.entity, pairs: $0.pairs, behind: $0.behind, p50Seconds: $0.p50Seconds,
                        p95Seconds: $0.p95Seconds, maxSeconds: $0.maxSeconds)
                },
                clock: health.clock)
        }
        let similarity = report.similarity.map { similarity in
            ReportDocument.Similarity(
                label: similarity.label, threshold: similarity.threshold, verifier: similarity.verifier,
                candidatePairs: similarity.candidatePairs, rejectedPairs: similarity.rejectedPairs,
                bins: similarity.bins.map { .init(lower: $0.lower, upper: $0.upper, count: $0.count) })
        }
        return ReportDocument(
            schema: RunReport.schemaVersion, generator: report.generator,
            run: .init(
                id: run.id, kind: run.kind, status: run.status.rawValue, outcome: report.outcome,
                verdict: report.verdict, startedAt: ReportText.iso8601(run.startedAt),
                finishedAt: run.finishedAt.map(ReportText.iso8601),
                durationSeconds: run.finishedAt == nil ? nil : seconds(run.duration), dryRun: run.dryRun,
                exitCode: run.exitCode, host: run.host, error: run.error.map(Redaction.redact),
                stopReason: report.stopReason, lastSuccessAt: report.lastSuccessAt.map(ReportText.iso8601)),
            inputs: report.inputs.mapValues(Redaction.redact),
            stages: report.stages.map {
                .init(
                    name: $0.name, status: $0.status, summary: Redaction.redact($0.summary),
                    seconds: seconds($0.seconds))
            },
            counts: Dictionary(report.countsByKind.map { ($0.kind.rawValue, $0.count) }, uniquingKeysWith: +),
            severity: severities, total: report.discrepancies.count,
            snapshot: r.map {
                .init(
                    time: $0.snapshot.text, source: $0.snapshot.source.rawValue,
                    explanation: $0.snapshot.explanation)
            },
            statusMap: r?.statusMapVersion, rowsCompared: r?.rowsCompared ?? [:], withheldPartial: r?.withheld ?? 0,
            systematic: r?.systematic.map { .init(field: $0.field, count: $0.count, explanation: $0.explanation) }
                ?? [],
            history: history, webhookHealth: health, similarity: similarity,
            discrepancies: report.discrepancies.map { DiscrepancyJSON.value($0, in: report) },
            resolved: (report.history?.resolved ?? []).map { DiscrepancyJSON.value($0, in: nil) })
    }
}

extension ReportFormat where Self == JSONReportFormat {
    /// The JSON report.
    public static var json: JSONReportFormat { JSONReportFormat() }
}
