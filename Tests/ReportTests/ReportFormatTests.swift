import BackstopModel
import BackstopReport
import BackstopStore
import Foundation
import Testing

@Suite struct ReportFormatTests {
    func sample(status: String) -> RunReport {
        let run = RunRecord(
            id: 7, kind: "nightly", status: status, startedAt: Date(timeIntervalSince1970: 1_790_000_000),
            finishedAt: Date(timeIntervalSince1970: 1_790_000_042), counts: ["total": 2], exitCode: 2, host: "h")
        return RunReport(
            run: run,
            stages: [.init(name: "extract.dump", status: "ok", summary: "3 products", seconds: 1.5)],
            discrepancies: [
                Discrepancy(kind: .productField, key: "1", field: "name", bitrixValue: "a|b\u{1}", catalogValue: "c"),
                Discrepancy(kind: .productMissing, key: "2", bitrixValue: "x"),
            ],
            inputs: ["dump": "d.sql"])
    }

    @Test func jsonIsValidAndComplete() throws {
        var bytes: [UInt8] = []
        JSONReportFormat().render(sample(status: "drift"), into: &bytes)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["total"] as? Int == 2)
        #expect((object["counts"] as? [String: Int]) == ["product.field": 1, "product.missing": 1])
        let items = try #require(object["discrepancies"] as? [[String: Any]])
        #expect(items.first?["bitrix"] as? String == "a|b\u{1}")
        #expect((object["run"] as? [String: Any])?["duration_seconds"] as? Double == 42)
    }

    @Test func markdownListsKindsAndEscapesCells() {
        var bytes: [UInt8] = []
        MarkdownReportFormat().render(sample(status: "drift"), into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("2 discrepancies found"))
        #expect(text.contains("| `product.field` | 1 |"))
        #expect(text.contains("a\\|b"))
    }

    @Test func prometheusHasNoTimestampsAndSuccessOnlyWhenSucceeded() {
        var drift: [UInt8] = []
        PrometheusReportFormat().render(sample(status: "drift"), into: &drift)
        let text = String(decoding: drift, as: UTF8.self)
        #expect(text.contains("backstop_last_success_timestamp_seconds{job=\"nightly\"} 1790000042"))
        #expect(text.contains("backstop_discrepancies{job=\"nightly\",kind=\"product.missing\"} 1"))
        #expect(text.contains("backstop_discrepancies{job=\"nightly\",kind=\"order.status\"} 0"))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2, "a sample with a timestamp: \(line)")
        }
        var failed: [UInt8] = []
        PrometheusReportFormat().render(sample(status: "failed"), into: &failed)
        #expect(!String(decoding: failed, as: UTF8.self).contains("last_success"))
    }

    @Test func writerReplacesFilesAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        let written = try ReportWriter.write(sample(status: "drift"), formats: [.json, .markdown, .prometheus], to: folder)
        #expect(written.map(\.lastPathComponent) == ["report.json", "report.md", "backstop.prom"])
        _ = try ReportWriter.write(sample(status: "drift"), formats: [.json], to: folder)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
