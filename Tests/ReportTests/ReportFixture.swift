import BackstopModel
import BackstopReport
import BackstopStore
import Foundation

/// A report with everything a format renders: stages of every status, findings of several kinds with
/// hostile text (HTML, CSV, Markdown, XML and formula injection, control characters, newlines), history
/// (new, persisting since an older run, resolved), webhook health with latency, a similarity histogram.
/// No wall-clock value: every time is fixed.
enum ReportFixture {
    static let script = "<script>alert(1)</script>"
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21T14:13:20Z

    static func run(status: RunStatus = .drift, id: Int64 = 7, exitCode: Int = 2) -> RunRecord {
        RunRecord(
            id: id, kind: "nightly", status: status, startedAt: t0, finishedAt: t0.addingTimeInterval(42.5),
            counts: ["total": 6], exitCode: exitCode, reportDirectory: "/var/lib/backstop/reports/000007-nightly",
            host: "vm \"prod\" <1>")
    }

    static let discrepancies: [Discrepancy] = [
        Discrepancy(
            kind: .productField, key: "668847", field: "name", bitrixValue: script, catalogValue: "Розы, \"красные\"",
            parser: "text.nfc-whitespace", cause: "rename_not_synced", probableCause: "rename on one side never synced",
            action: "update", severity: .warning),
        Discrepancy(
            kind: .productField, key: "668850", field: "price", bitrixValue: "81500.00", catalogValue: "0.00",
            bitrixNormalized: "8150000", catalogNormalized: "0", parser: "price.kopecks", cause: "nbsp_price",
            probableCause: "price string unparsable by the webhook (NBSP/prefix) → 0", action: "update"),
        Discrepancy(
            kind: .productMissing, key: "668900", bitrixValue: "=HYPERLINK(\"http://x\")|a\nb\u{1}", parser: "match.id",
            cause: "lost_create", probableCause: "product webhook lost (no retry) or never sent", action: "insert"),
        Discrepancy(
            kind: .orderItemField, key: "100031", field: "quantity", item: "668835", bitrixValue: "2",
            catalogValue: "1",
            parser: "quantity", cause: "item_edited", probableCause: "a line edited in one system only",
            action: "bitrix_change",
            severity: .warning),
        Discrepancy(
            kind: .orderStatusUnmapped, key: "100040", field: "status", bitrixValue: "ZZ", catalogValue: "NEW",
            parser: "status-map/1", cause: "unmapped_code_skipped",
            probableCause: "Bitrix status code not in the webhook's map: the status webhook skipped it",
            action: "report",
            severity: .warning),
        Discrepancy(
            kind: .sequenceCollisionRisk, key: "public.product_id_seq", field: "next", bitrixValue: "668977",
            catalogValue: "668900", parser: "sequence.range", cause: "some_future_cause", probableCause: nil,
            action: "advance_sequence"),
    ]

    static let resolved = [
        Discrepancy(
            kind: .orderStatus, key: "100029", field: "status", bitrixValue: "F", catalogValue: "NEW",
            cause: "status_webhook_lost", probableCause: "status webhook lost", action: "update_status")
    ]

    static var history: RunHistory {
        let previous = RunHistory.Point(runID: 6, startedAt: t0.addingTimeInterval(-86_400), status: .drift, total: 4)
        let older = RunHistory.Origin(runID: 4, at: t0.addingTimeInterval(-3 * 86_400))
        let stored = [
            RunHistory.StoredFinding(discrepancy: discrepancies[0], origin: older),
            RunHistory.StoredFinding(
                discrepancy: discrepancies[3], origin: RunHistory.Origin(runID: 6, at: previous.startedAt)),
            RunHistory.StoredFinding(discrepancy: resolved[0], origin: older),
        ]
        let trend = [
            RunHistory.Point(runID: 4, startedAt: t0.addingTimeInterval(-3 * 86_400), status: .drift, total: 9),
            RunHistory.Point(runID: 5, startedAt: t0.addingTimeInterval(-2 * 86_400), status: .partial, total: 3),
            previous,
            RunHistory.Point(runID: 7, startedAt: t0, status: .drift, total: 6),
        ]
        return RunHistory.compare(
            runID: 7, startedAt: t0, current: discrepancies, partial: false, previous: (previous, stored), trend: trend)
    }

    static var health: WebhookHealth {
        WebhookHealth(
            discrepancies: discrepancies,
            attribute: { cause in
                switch cause {
                case "rename_not_synced", "lost_create": .lostEvent
                case "nbsp_price": .parseFailure
                case "item_edited": .notWebhook
                case "unmapped_code_skipped": .unmappedStatus
                default: nil
                }
            },
            latency: [
                .init(entity: "product", samples: [30, 60, 90, 120, 3600, -5]),
                .init(entity: "order", samples: []),
            ],
            clock: "both sides read as Asia/Almaty wall-clock time")
    }

    static var report: RunReport {
        RunReport(
            run: run(),
            stages: [
                .init(name: "extract.catalog", status: "ok", summary: "50 catalog products, 89 orders", seconds: 0.25),
                .init(name: "extract.dump", status: "partial", summary: "1 dump(s) <b>bold</b>", seconds: 1.5),
                .init(name: "reconcile", status: "ok", summary: "6 discrepancies", seconds: 0.125),
                .init(name: "index", status: "skipped", summary: "the index stage is not built yet", seconds: 0),
            ],
            discrepancies: discrepancies,
            inputs: [
                "catalog": "postgresql://backstop:hunter2@db.internal/cvety", "dump": "/backups/a & b.sql",
                "shop_id": "17008",
            ],
            reconciliation: RunReport.Reconciliation(
                snapshot: SnapshotTime(text: "2025-10-25 03:00:00", source: .footer),
                statusMapVersion: "status-map/1",
                rowsCompared: [
                    "product.bitrix": 45, "product.catalog": 50, "product.matched": 43, "order.matched": 84,
                ],
                systematic: [.init(field: "product.type", count: 41, explanation: "type always FLOWERS")],
                withheld: 0),
            history: history, webhookHealth: health,
            similarity: SimilarityHistogram(
                label: "top-10 cosine similarity",
                bins: [.init(lower: 0.5, upper: 0.75, count: 12), .init(lower: 0.75, upper: 1, count: 3)],
                threshold: 0.95),
            lastSuccessAt: t0.addingTimeInterval(-86_400 + 40), stopReason: nil, generator: "backstop 0.1.0")
    }
}
