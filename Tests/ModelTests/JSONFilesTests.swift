import BackstopModel
import Foundation
import Testing

/// The shared JSON writers: the encoders every file goes through, the `backstop runs --json` line, and the
/// hand-written RFC 3339 timestamps that replaced a formatter per finding.
@Suite struct JSONFilesTests {
    /// A value with keys whose declaration order is not their sorted order, a URL and a nested object.
    struct Sample: Codable, Equatable {
        var zebra = 1
        var apple = "https://cvety.kz/upload/a.jpg"
        var middle: [String: Int] = ["b": 2, "a": 1]
    }

    @Test func theCompactEncoderSortsKeysLeavesSlashesAndWritesOneLine() throws {
        var out: [UInt8] = []
        let encoder = JSONFiles.compactEncoder()
        try JSONFiles.appendLine(Sample(), with: encoder, into: &out)
        try JSONFiles.appendLine(Sample(zebra: 2), with: encoder, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(
            text == #"{"apple":"https://cvety.kz/upload/a.jpg","middle":{"a":1,"b":2},"zebra":1}"# + "\n"
                + #"{"apple":"https://cvety.kz/upload/a.jpg","middle":{"a":1,"b":2},"zebra":2}"# + "\n")
        #expect(try JSONFiles.line(Sample()) == String(text.split(separator: "\n")[0]) + "\n")
        #expect(try jsonText(Sample()) + "\n" == (try JSONFiles.line(Sample())))
        let pretty = String(decoding: try JSONFiles.prettyEncoder().encode(Sample()), as: UTF8.self)
        #expect(try JSONDecoder().decode(Sample.self, from: Data(pretty.utf8)) == Sample())
        #expect(pretty.split(separator: "\n").count == 8, "one key a line: \(pretty)")
    }

    @Test func aNonFiniteNumberIsAnErrorAndNothingIsAppended() {
        var out: [UInt8] = Array("kept\n".utf8)
        #expect(throws: EncodingError.self) {
            try JSONFiles.appendLine(["x": Double.infinity], with: JSONFiles.compactEncoder(), into: &out)
        }
        #expect(out == Array("kept\n".utf8))
    }

    // MARK: RFC 3339

    /// Whole seconds across four centuries (leap years, 1900 and 2100 not leap, 2000 leap, before 1970)
    /// read exactly as `ISO8601DateFormatter` writes them.
    @Test func wholeSecondsReadAsISO8601DateFormatterWritesThem() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var seconds: Int64 = -2_208_988_800  // 1900-01-01
        var random = SplitMix64(seed: 20)
        var checked = 0
        while seconds < 7_258_118_400 {  // 2200-01-01
            let date = Date(timeIntervalSince1970: Double(seconds))
            #expect(RFC3339.string(date) == formatter.string(from: date), "\(seconds)")
            #expect(RFC3339.string(seconds: seconds) == formatter.string(from: date))
            seconds += Int64(random.next() % 3_000_000) + 1
            checked += 1
        }
        #expect(checked > 2000)
        for edge in [
            "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2000-02-29T12:00:00Z", "2100-02-28T23:59:59Z",
            "2100-03-01T00:00:00Z", "2024-12-31T23:59:59Z", "9999-12-31T23:59:59Z",
        ] {
            let date = try #require(formatter.date(from: edge))
            #expect(RFC3339.string(date) == edge)
        }
    }

    /// Between two seconds the earlier one is shown (as `backstop runs` truncates); milliseconds likewise,
    /// before 1970 too.
    @Test func fractionsAreTruncatedTowardThePast() {
        #expect(RFC3339.string(Date(timeIntervalSince1970: 1_795_314_599.9996)) == "2026-11-22T02:29:59Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: 1_795_314_600.25)) == "2026-11-22T02:30:00Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: 0.25), milliseconds: true) == "1970-01-01T00:00:00.250Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: -0.25), milliseconds: true) == "1969-12-31T23:59:59.750Z")
        #expect(
            RFC3339.string(Date(timeIntervalSince1970: 1_795_314_600), milliseconds: true) == "2026-11-22T02:30:00.000Z"
        )
        #expect(RFC3339.string(seconds: 1_795_314_600, millis: 7) == "2026-11-22T02:30:00.007Z")
    }

    // MARK: backstop runs --json

    @Test func aRunListingHasEveryKeyWithNullsAndReadsBack() throws {
        let start = Date(timeIntervalSince1970: 1_795_314_600.75)
        let finished = RunRecord(
            id: 42, kind: "nightly", status: .drift, startedAt: start, finishedAt: start.addingTimeInterval(83.44),
            counts: ["total": 214], exitCode: 2, reportDirectory: "reports/000042-nightly")
        let failed = RunRecord(
            id: 43, kind: "diff", status: .failed, startedAt: start, finishedAt: start.addingTimeInterval(1),
            counts: ["total": 5], exitCode: 1)
        let encoder = JSONFiles.compactEncoder()
        let line = try JSONFiles.line(RunRecord.Listing(finished), with: encoder)
        #expect(
            line
                == #"{"discrepancies":214,"exit_code":2,"id":42,"kind":"nightly","report_dir":"reports/000042-nightly","#
                + #""seconds":83.4,"started_at":1795314600,"status":"drift"}"# + "\n")
        let back = try JSONDecoder().decode(RunRecord.Listing.self, from: Data(line.utf8))
        #expect(back == RunRecord.Listing(finished))

        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(try JSONFiles.line(RunRecord.Listing(failed)).utf8))
                as? [String: Any])
        #expect(
            Set(object.keys) == [
                "id", "kind", "status", "started_at", "seconds", "exit_code", "discrepancies", "report_dir",
            ], "every key, always")
        #expect(object["discrepancies"] is NSNull, "a failed run's findings are not a result")
        #expect(object["report_dir"] is NSNull)
        #expect(failed.resultCount == nil && finished.resultCount == 214)
        #expect(RunRecord(id: 1, kind: "apply", status: .succeeded, startedAt: start).resultCount == 0)
    }
}
