import BackstopModel
import BackstopReport
import BackstopStore
import BackstopTestSupport
import Foundation
import Testing

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: file)
    return file
}

/// Debian's python3 (with python3-jsonschema and python3-junitparser from `make setup`), not a pyenv shim.
let debianPython = "/usr/bin/python3"

@Suite struct ReportFormatTests {
    // MARK: report.json

    @Test func jsonCarriesTheRunHistoryAndAttribution() throws {
        let text = JSONReportFormat().rendered(ReportFixture.report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "backstop.report/2")
        #expect(object["total"] as? Int == 6)
        #expect((object["counts"] as? [String: Int])?["product.field"] == 2)
        #expect((object["run"] as? [String: Any])?["duration_seconds"] as? Double == 42.5)
        #expect((object["run"] as? [String: Any])?["last_success_at"] as? String == "2026-09-20T14:14:00Z")
        #expect((object["inputs"] as? [String: String])?["catalog"] == "postgresql://backstop:***@db.internal/cvety")
        let history = try #require(object["history"] as? [String: Any])
        #expect(history["new"] as? Int == 4)
        #expect(history["persisting"] as? Int == 2)
        #expect(history["resolved"] as? Int == 1)
        #expect((history["previous_run"] as? [String: Any])?["id"] as? Int == 6)
        let items = try #require(object["discrepancies"] as? [[String: Any]])
        let renamed = try #require(items.first { $0["key"] as? String == "668847" })
        #expect(renamed["bitrix"] as? String == ReportFixture.script, "data is kept verbatim in JSON")
        #expect(renamed["state"] as? String == "persisting")
        #expect(renamed["first_seen_run"] as? Int == 4)
        #expect(renamed["webhook_failure"] as? String == "lost_event")
        let line = try #require(items.first { $0["key"] as? String == "100031" })
        #expect(line["first_seen_run"] as? Int == 6)
        #expect((items.first { $0["key"] as? String == "668850" })?["state"] as? String == "new")
        let resolved = try #require(object["resolved"] as? [[String: Any]])
        #expect(resolved.map { $0["key"] as? String } == ["100029"])
        let health = try #require(object["webhook_health"] as? [String: Any])
        let latency = try #require((health["latency"] as? [[String: Any]])?.first)
        #expect(latency["p50_seconds"] as? Int == 90)
        #expect(latency["behind"] as? Int == 1)
    }

    /// report.json validates against schema/report.schema.json (Draft 2020-12, with format checks) for the
    /// full fixture, a run without reconciliation and a failed run without history.
    @Test func jsonValidatesAgainstTheSchemaInTheRepository() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianPython), "python3 is installed by make setup")
        var bare = ReportFixture.report
        bare.reconciliation = nil
        bare.history = nil
        bare.webhookHealth = nil
        bare.similarity = nil
        bare.discrepancies = []
        bare.run = ReportFixture.run(status: .failed, exitCode: 1)
        bare.run.error = "connection to \"db\" failed: password=secret"
        bare.stopReason = "--max-seconds 0 reached"
        let schema = RepoPaths.root.appendingPathComponent("schema/report.schema.json").path
        for (name, report) in [("full", ReportFixture.report), ("bare", bare)] {
            let file = try temporaryFile("report.json", JSONReportFormat().rendered(report))
            let script = """
                import json, sys
                import jsonschema
                schema = json.load(open(sys.argv[1]))
                jsonschema.Draft202012Validator.check_schema(schema)
                validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
                errors = list(validator.iter_errors(json.load(open(sys.argv[2]))))
                for e in errors: print(e.json_path, e.message)
                sys.exit(1 if errors else 0)
                """
            let result = try await Executable.runProgram(debianPython, ["-c", script, schema, file.path])
            #expect(result.status == 0, "\(name): \(result.out)\(result.err)")
        }
        #expect(!JSONReportFormat().rendered(bare).contains("secret"), "errors are redacted")
    }

    // MARK: report.md

    @Test func markdownMatchesItsGoldenFile() throws {
        let text = MarkdownReportFormat().rendered(ReportFixture.report)
        try GoldenFile.check(text, named: "report.md", sourceLocation: #_sourceLocation)
        #expect(!text.contains("<script>"), "HTML in data is neutralised")
        #expect(!text.contains("hunter2"))
        #expect(text.contains("since run 4 (2026-09-18 14:13), 3 d"))
    }

    // MARK: csv/

    @Test func csvMatchesItsGoldenFilesAndIsRectangular() throws {
        let files = CSVReportFormat().files(for: ReportFixture.report)
        #expect(files.count == DiscrepancyKind.allCases.count, "one file per kind, findings or not")
        for name in ["product.field", "product.missing", "order.item_field", "order.status"] {
            let file = try #require(files.first { $0.path == "csv/\(name).csv" })
            try GoldenFile.check(
                String(decoding: file.bytes, as: UTF8.self), named: "\(name).csv", sourceLocation: #_sourceLocation)
        }
        for file in files {
            let rows = try RFC4180.parse(String(decoding: file.bytes, as: UTF8.self))
            let kind = try #require(DiscrepancyKind(rawValue: String(file.path.dropFirst(4).dropLast(4))))
            #expect(rows.first == CSVReportFormat.columns(for: kind), "fixed header of \(kind.rawValue)")
            #expect(rows.allSatisfy { $0.count == rows[0].count }, "\(file.path): every row as wide as the header")
        }
        let missing = try RFC4180.parse(
            String(decoding: try #require(files.first { $0.path == "csv/product.missing.csv" }).bytes, as: UTF8.self))
        let bitrix = try #require(missing[0].firstIndex(of: "bitrix"))
        #expect(
            missing[1][bitrix] == "'=HYPERLINK(\"http://x\")|a\nb⟨U+0001⟩",
            "a formula is defused, the newline kept, SOH shown")
    }

    // MARK: junit.xml

    @Test func junitMatchesItsGoldenFileAndAJUnitParserReadsIt() async throws {
        let text = JUnitReportFormat().rendered(ReportFixture.report)
        try GoldenFile.check(text, named: "junit.xml", sourceLocation: #_sourceLocation)
        try #require(FileManager.default.isExecutableFile(atPath: debianPython), "python3 is installed by make setup")
        let file = try temporaryFile("junit.xml", text)
        let script = """
            import sys
            from junitparser import JUnitXml, Failure, Error, Skipped
            xml = JUnitXml.fromfile(sys.argv[1])
            for suite in xml:
                print("suite", suite.name, suite.tests, suite.failures, suite.errors, suite.skipped)
                for case in suite:
                    kinds = sorted(type(r).__name__ for r in case.result)
                    print("case", case.classname, case.name, ",".join(kinds) or "passed")
            """
        let result = try await Executable.runProgram(debianPython, ["-c", script, file.path])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.contains("suite nightly.stages 4 0 0 1"))
        #expect(lines.contains("suite nightly.checks 24 5 0 5"), "\(lines.filter { $0.hasPrefix("suite") })")
        #expect(lines.contains("case product no product.field Failure"))
        #expect(lines.contains("case order no order.status passed"))
        #expect(lines.contains("case embedding no embedding.stale Skipped"), "the index stage did not run")
        #expect(lines.contains("case backstop.stage index Skipped"))
    }

    // MARK: metrics.prom

    @Test func prometheusPassesPromtoolAndEscapesLabels() async throws {
        var report = ReportFixture.report
        report.stages.append(.init(name: "odd \"stage\"\\ \nname", status: "ok", summary: "", seconds: 1))
        let text = PrometheusReportFormat().rendered(report)
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let tool = try #require(promtool, "promtool comes with Debian's prometheus package (make setup)")
        let file = try temporaryFile("metrics.prom", text)
        let check = try await Executable.runProgram("/bin/sh", ["-c", "\(tool) check metrics < '\(file.path)'"])
        #expect(check.status == 0, "promtool: \(check.out)\(check.err)")
        #expect(
            text.contains(
                #"backstop_stage_duration_seconds{run_kind="nightly",shop="17008",stage="odd \"stage\"\\ \nname"} 1.000"#
            ))
        #expect(
            text.contains("backstop_last_success_timestamp_seconds{run_kind=\"nightly\",shop=\"17008\"} 1790000042"))
        #expect(
            text.contains("backstop_discrepancies_by_state{run_kind=\"nightly\",shop=\"17008\",state=\"resolved\"} 1"))
        #expect(
            text.contains(
                "backstop_rows_compared{run_kind=\"nightly\",shop=\"17008\",table=\"product\",side=\"matched\"} 43"))
        #expect(
            text.contains(
                "backstop_sync_latency_seconds{run_kind=\"nightly\",shop=\"17008\",entity=\"product\",statistic=\"p95\"} 3600"
            ))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2 || line.contains("\\ "), "a sample with a timestamp: \(line)")
        }
    }

    @Test func aFailedRunKeepsTheLastSuccessOfAnEarlierRun() {
        var failed = ReportFixture.report
        failed.run = ReportFixture.run(status: .failed, exitCode: 1)
        let text = PrometheusReportFormat().rendered(failed)
        #expect(
            text.contains("backstop_last_success_timestamp_seconds{run_kind=\"nightly\",shop=\"17008\"} 1789913640"))
        failed.lastSuccessAt = nil
        #expect(!PrometheusReportFormat().rendered(failed).contains("last_success"))
    }

    // MARK: writing

    @Test func writerReplacesFilesAtomicallyAndWritesEveryFormat() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        let formats: [any ReportFormat] = [.json, .ndjson, .markdown, .html, .csv, .prometheus, .junit]
        let written = try ReportWriter.write(ReportFixture.report, formats: formats, to: folder)
        let names = Set(written.map { $0.path.replacingOccurrences(of: folder.path + "/", with: "") })
        #expect(
            names.isSuperset(of: [
                "report.json", "discrepancies.ndjson", "report.md", "report.html", "metrics.prom", "junit.xml",
            ]))
        #expect(names.contains("csv/product.field.csv"))
        _ = try ReportWriter.write(ReportFixture.report, formats: [.json], to: folder)
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    /// The formats are rendered side by side, and each file written holds the bytes that format renders
    /// alone, in the formats' order.
    @Test func writerWritesEachFormatsOwnBytesInOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let formats: [any ReportFormat] = [.html, .json, .ndjson, .markdown, .csv, .prometheus, .junit]
        let expected = formats.flatMap { $0.files(for: ReportFixture.report) }
        let written = try ReportWriter.write(ReportFixture.report, formats: formats, to: folder)
        #expect(written.map(\.lastPathComponent) == expected.map { ($0.path as NSString).lastPathComponent })
        for file in expected {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(file.path))
            #expect(Array(bytes) == file.bytes, "\(file.path)")
        }
    }

    @Test func ndjsonHasOneObjectPerFindingAndNoHistory() throws {
        let lines = NDJSONReportFormat().rendered(ReportFixture.report).split(separator: "\n")
        #expect(lines.count == ReportFixture.discrepancies.count)
        let objects = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(
            objects.allSatisfy { $0["state"] == nil && $0["first_seen_at"] == nil },
            "the same findings give the same bytes")
        var later = ReportFixture.report
        later.history = nil
        #expect(NDJSONReportFormat().rendered(later) == NDJSONReportFormat().rendered(ReportFixture.report))
        #expect(objects.first { $0["cause"] as? String == "some_future_cause" }?["webhook_failure"] is NSNull)
    }

    @Test func contextRoundTripsThroughJSON() throws {
        let report = ReportFixture.report
        let json = try report.context.json()
        let decoded = try RunReport.Context(json: json)
        #expect(decoded == report.context)
        var rebuilt = RunReport(run: report.run, stages: [], discrepancies: report.discrepancies, inputs: [:])
        rebuilt.apply(decoded)
        rebuilt.history = report.history
        rebuilt.lastSuccessAt = report.lastSuccessAt
        #expect(JSONReportFormat().rendered(rebuilt) == JSONReportFormat().rendered(report))
    }
}

/// A strict RFC 4180 reader for the tests: quoted fields may hold commas, quotes (doubled) and line breaks;
/// records end with CRLF; anything else (a bare quote in an unquoted field, text after a closing quote) is
/// an error.
enum RFC4180 {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var chars = Array(text.unicodeScalars)[...]
        var quoted = false
        var fieldStarted = false
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.unicodeScalars.append(c)
                        chars.removeFirst()
                    } else {
                        quoted = false
                        guard chars.first == "," || chars.first == "\r" || chars.first == nil else {
                            throw Malformed(description: "text after a closing quote in row \(rows.count + 1)")
                        }
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard !fieldStarted, field.isEmpty else {
                    throw Malformed(description: "bare quote in row \(rows.count + 1)")
                }
                quoted = true
                fieldStarted = true
            case ",":
                row.append(field)
                field = ""
                fieldStarted = false
            case "\r":
                guard chars.popFirst() == "\n" else {
                    throw Malformed(description: "CR without LF in row \(rows.count + 1)")
                }
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                fieldStarted = false
            case "\n":
                throw Malformed(description: "bare LF (records end with CRLF) in row \(rows.count + 1)")
            default:
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
        }
        guard !quoted else { throw Malformed(description: "unterminated quoted field") }
        guard field.isEmpty, row.isEmpty else { throw Malformed(description: "last record without CRLF") }
        return rows
    }
}
