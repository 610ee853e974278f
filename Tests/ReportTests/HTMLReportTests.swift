import BackstopIndex
import BackstopModel
import BackstopReport
import BackstopStore
import BackstopTestSupport
import Foundation
import Testing

@Suite struct HTMLReportTests {
    let html = HTMLReportFormat().rendered(ReportFixture.report)

    @Test func everyPieceOfDataIsEscaped() {
        #expect(!html.contains(ReportFixture.script))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("vm &quot;prod&quot; &lt;1&gt;"))
        #expect(html.contains("1 dump(s) &lt;b&gt;bold&lt;/b&gt;"))
        #expect(!html.contains("hunter2"), "inputs are redacted")
        #expect(!html.contains("\u{1}"), "control characters never reach the page")
        // Exactly one script and one style element: ours.
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.components(separatedBy: "<style").count == 2)
    }

    @Test func thePageIsSelfContained() {
        for external in ["src=\"http", "href=\"http", "@import", "url(", "<link", "<img", "<iframe"] {
            #expect(!html.contains(external), "no external asset: \(external)")
        }
        #expect(!html.contains(" style=\""), "no inline style attribute (the CSP allows only the hashed block)")
        #expect(html.contains("Content-Security-Policy"))
        #expect(html.contains("<svg role=\"img\" aria-label=\"Discrepancies by kind\""))
        #expect(html.contains("<svg role=\"img\" aria-label=\"Discrepancies per run\""))
        #expect(html.contains("<svg role=\"img\" aria-label=\"top-10 cosine similarity\""))
    }

    @Test func rendersTheSameBytesForTheSameReport() {
        #expect(HTMLReportFormat().rendered(ReportFixture.report) == html)
    }

    /// The page in Debian's headless Chromium: its script runs under its own Content-Security-Policy without
    /// a console message (the CSP hashes match, nothing throws), the hostile product name is text in the DOM,
    /// the filter hides rows, and the screenshot is not blank.
    @Test(.timeLimit(.minutes(3))) func chromiumRendersThePageWithoutConsoleErrors() async throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let browser = try #require(chromium, "Debian's chromium is installed by make setup")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = folder.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)
        let profile = folder.appendingPathComponent("profile").path
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile)", "--enable-logging=stderr", "--log-level=0", "--hide-scrollbars",
        ]

        let dom = try await Executable.runProgram(browser, common + ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0, "\(dom.err.suffix(2000))")
        let console = dom.err.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(console.isEmpty, "console messages: \(console)")
        #expect(dom.out.contains("data-ready=\"1\""), "the page's script ran (its CSP hash matches)")
        #expect(dom.out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the product name is text")
        #expect(!dom.out.contains("<script>alert(1)"), "no script element from data")

        let shot = folder.appendingPathComponent("shot.png")
        let screenshot = try await Executable.runProgram(
            browser, common + ["--window-size=1280,1600", "--screenshot=\(shot.path)", page.absoluteString])
        #expect(screenshot.status == 0, "\(screenshot.err.suffix(2000))")
        let image = try ImageDecoder.decode(Array(try Data(contentsOf: shot)), maxByteCount: 64 << 20)
        #expect(image.width == 1280)
        var colours = Set<UInt32>()
        var dark = 0
        for y in stride(from: 0, to: image.height, by: 4) {
            for x in stride(from: 0, to: image.width, by: 4) {
                let p = image[x, y]
                let red = UInt32(p.red), green = UInt32(p.green), blue = UInt32(p.blue)
                colours.insert(red << 16 | green << 8 | blue)
                if red + green + blue < 200 { dark += 1 }
            }
        }
        #expect(colours.count > 20, "a blank page has one or two colours, not \(colours.count)")
        #expect(dark > 500, "text was drawn (\(dark) dark samples)")
    }
}
