import BackstopReport
import BackstopTestSupport
import Foundation
import Testing

/// The fleet page of a multi-shop run: shops worst first, kinds as columns, new findings, links to each
/// shop's report, non-sellers out of scope; self-contained (no script, no fetch) and escaped.
@Suite struct FleetPageTests {
    let page = FleetPage(
        kind: "nightly",
        shops: [
            .init(
                id: 71264, name: "Оранж", runID: 3, status: "drift", kinds: ["product.field": 3], newCount: 0,
                report: "71264"),
            .init(
                id: 17008, name: "<script>alert(1)</script>", runID: 1, status: "drift",
                kinds: ["product.field": 13, "order.status": 2], newCount: 4, report: "17008"),
            .init(id: 90246, name: "Henry Bonnar", runID: 4, status: "succeeded", kinds: [:], newCount: 0, report: nil),
        ],
        outOfScope: [(8, "Railway (dev)")], generator: "backstop test")

    @Test func shopsAreWorstFirstAndEscaped() {
        #expect(page.ranked.map(\.id) == [17008, 71264, 90246])
        let html = page.html
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script"))
        #expect(html.contains("href=\"17008/report.html\""))
        #expect(html.contains("<ul id=\"out-of-scope\"><li>8 Railway (dev)</li>"))
        #expect(html.contains("<td class=\"new\">4</td>"))
        #expect(
            FleetPage.relativeLink(
                from: URL(fileURLWithPath: "/r/000001-nightly-fleet"), to: URL(fileURLWithPath: "/r/000002-nightly"))
                == "../000002-nightly")
    }

    @Test(.timeLimit(.minutes(3))) func chromiumRendersTheTableInRankOrder() async throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let browser = try #require(chromium, "Debian's chromium is installed by make setup")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try page.write(to: folder)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("fleet.json").path))
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(folder.appendingPathComponent("profile").path)", "--enable-logging=stderr",
            "--log-level=0",
        ]
        let dom = try await Executable.runProgram(browser, common + ["--dump-dom", file.absoluteString])
        #expect(dom.status == 0, "\(dom.err.suffix(2000))")
        let console = dom.err.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(console.isEmpty, "console messages: \(console)")
        let rows = dom.out.components(separatedBy: "data-shop=\"").dropFirst().compactMap {
            $0.split(separator: "\"").first
        }
        #expect(rows == ["17008", "71264", "90246"], "rows as the browser built them: \(rows)")
        #expect(dom.out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }
}
