import BackstopModel
import BackstopReport
import BackstopStore
import Foundation
import Testing

/// Untrusted text with bidi overrides and terminal controls in every report format: escaped visibly where
/// people read it (HTML, Markdown, CSV, JUnit), exact in the machine formats (JSON, NDJSON).
@Suite struct SafeTextReportTests {
    /// A product name that renders as "exe.png" when the override is honoured, with ESC and BEL.
    static let hostile = "photo\u{202E}gnp.exe \u{1B}c\u{7}\u{2066}x\u{2069}\u{85}"

    static var report: RunReport {
        var report = ReportFixture.report
        report.discrepancies = [
            Discrepancy(
                kind: .productField, key: "668847", field: "name", bitrixValue: hostile, catalogValue: "plain",
                parser: "text.nfc-whitespace", cause: "rename_not_synced", probableCause: "rename never synced",
                action: "update", severity: .warning)
        ]
        return report
    }

    /// The raw characters that must not reach a human-facing output.
    static let raw: [Unicode.Scalar] = ["\u{202E}", "\u{1B}", "\u{7}", "\u{2066}", "\u{2069}", "\u{85}"]

    func expectEscaped(_ text: String, _ format: String) {
        for scalar in Self.raw {
            #expect(!text.unicodeScalars.contains(scalar), "\(format) holds raw U+\(String(scalar.value, radix: 16))")
        }
        #expect(text.contains("photo⟨U+202E⟩gnp.exe"), "\(format) shows the override")
        #expect(text.contains("⟨U+001B⟩c⟨U+0007⟩"), "\(format) shows ESC and BEL")
    }

    @Test func htmlMarkdownCSVAndJUnitShowTheControlsEscaped() throws {
        expectEscaped(HTMLReportFormat().rendered(Self.report), "report.html")
        expectEscaped(MarkdownReportFormat().rendered(Self.report), "report.md")
        let csv = try #require(CSVReportFormat().files(for: Self.report).first { $0.path == "csv/product.field.csv" })
        expectEscaped(String(decoding: csv.bytes, as: UTF8.self), "csv/product.field.csv")
        expectEscaped(JUnitReportFormat().rendered(Self.report), "junit.xml")
    }

    @Test func jsonAndNDJSONKeepTheExactValue() throws {
        let line = NDJSONReportFormat().rendered(Self.report).split(separator: "\n").first.map(String.init) ?? ""
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["bitrix"] as? String == Self.hostile)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(JSONReportFormat().rendered(Self.report).utf8))
                as? [String: Any])
        let items = try #require(json["discrepancies"] as? [[String: Any]])
        #expect(items.first?["bitrix"] as? String == Self.hostile)
    }
}
