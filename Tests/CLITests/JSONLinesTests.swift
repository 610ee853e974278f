import BackstopModel
import BackstopTestSupport
import Foundation
import Logging
import Testing

@testable import backstop

/// `--log-format json` lines are one JSON object each (through `JSONEncoder`): parsed, never matched as
/// text, with every value redacted and a hostile message kept on its line.
@Suite struct JSONLogLineTests {
    @Test func aRecordIsOneSortedObjectWithRedactedValuesOnOneLine() throws {
        let time = Date(timeIntervalSince1970: 1_795_314_600.125)
        let line = BackstopLogHandler.line(
            format: .json, time: time, level: .warning, label: "backstop.extract",
            message: "connecting to postgresql://backstop:Sup3rS3cret@db/catalog\nforged line",
            metadata: [
                "dump.file": "bitrix/dump.sql", "run.id": "42",
                "conn": .dictionary(["uri": "postgresql://u:Sup3rS3cret@h/d", "tries": .array(["1", "2"])]),
            ],
            source: "BackstopExtract")
        #expect(line.hasSuffix("}\n") && line.dropLast().allSatisfy { $0 != "\n" }, "one line: \(line)")
        #expect(!line.contains("Sup3rS3cret"), "redacted: \(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["ts", "level", "label", "message", "metadata", "source"])
        #expect(object["ts"] as? String == "2026-11-22T02:30:00.125Z")
        #expect(object["level"] as? String == "warning" && object["source"] as? String == "BackstopExtract")
        #expect((object["message"] as? String)?.hasSuffix("\nforged line") == true, "the message, exact but escaped")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["dump.file"] as? String == "bitrix/dump.sql" && metadata["run.id"] as? String == "42")
        let conn = try #require(metadata["conn"] as? [String: Any])
        #expect(conn["tries"] as? [String] == ["1", "2"])
        #expect((conn["uri"] as? String)?.contains("***") == true, "\(conn)")
        // Keys sorted, so the same record always gives the same line.
        #expect(line.hasPrefix(#"{"label":"backstop.extract","level":"warning","message":"#), "\(line)")
    }

    @Test func aRecordWithoutMetadataLeavesTheKeyOut() throws {
        let line = BackstopLogHandler.line(
            format: .json, time: Date(timeIntervalSince1970: 0), level: .info, label: "backstop", message: "done",
            metadata: [:], source: "backstop")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["metadata"] == nil && object["ts"] as? String == "1970-01-01T00:00:00.000Z")
    }
}

/// `backstop runs --json` lines (``RunRecord/Listing``) validate against schema/runs.schema.json for every
/// status, with and without an exit code, count and folder.
@Suite struct RunListingSchemaTests {
    @Test func everyStatusListsAsTheSchemaSays() async throws {
        try #require(JSONSchemaCheck.isAvailable, "python3 with python3-jsonschema is installed by make setup")
        let start = Date(timeIntervalSince1970: 1_795_314_600.5)
        let lines = try RunStatus.allCases.enumerated().map { index, status in
            let finished = status != .running
            let run = RunRecord(
                id: Int64(index + 1), kind: "nightly", status: status, startedAt: start,
                finishedAt: finished ? start.addingTimeInterval(12.34) : nil, counts: ["total": 3],
                exitCode: finished ? 2 : nil,
                reportDirectory: index % 2 == 0 ? "reports/00000\(index + 1)-nightly" : nil)
            return try JSONFiles.line(RunRecord.Listing(run))
        }
        #expect(try await JSONSchemaCheck.violations(schema: "runs.schema.json", documents: lines) == [])
        let parsed = try runListings(lines.joined())
        #expect(parsed.map(\.status) == RunStatus.allCases)
        #expect(parsed.first { $0.status == .failed }?.discrepancies == nil)
        #expect(parsed.first { $0.status == .drift }?.discrepancies == 3)
        let missing = lines[0].replacingOccurrences(of: #""exit_code":"#, with: #""exitcode":"#)
        #expect(try await JSONSchemaCheck.violations(schema: "runs.schema.json", documents: [missing]).count >= 1)
    }
}
