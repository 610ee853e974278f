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
