import BackstopModel
import Testing

/// ``CSVWriter``: both dialects, the width check, and hostile text made visible the way ``SafeText`` does,
/// from text and from raw bytes alike.
@Suite struct CSVWriterTests {
    func csv(_ dialect: CSVWriter.Dialect, _ header: [String], _ rows: [[String?]]) throws -> String {
        var writer = CSVWriter(header: header, dialect: dialect)
        var out: [UInt8] = []
        writer.writeHeader(into: &out)
        for row in rows {
            for value in row { writer.field(value, into: &out) }
            try writer.endRecord(into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func theExportDialectQuotesEveryValueAndLeavesNullEmpty() throws {
        #expect(
            try csv(.export, ["id", "name"], [["1", "a \"b\", c"], ["2", nil], ["3", ""]])
                == "\"id\",\"name\"\r\n\"1\",\"a \"\"b\"\", c\"\r\n\"2\",\r\n\"3\",\"\"\r\n")
    }

    @Test func theSpreadsheetDialectQuotesOnlyWhereNeededAndDefusesFormulas() throws {
        #expect(
            try csv(
                .spreadsheet, ["id", "name"],
                [["1", "=HYPERLINK(\"x\")"], ["-5", "a,b"], ["+7", "line\nbreak"], ["@SUM(A1)", "-"]])
                == "id,name\r\n1,\"'=HYPERLINK(\"\"x\"\")\"\r\n-5,\"a,b\"\r\n+7,\"line\nbreak\"\r\n'@SUM(A1),'-\r\n")
    }

    /// `extract --format csv` of hostile text: an escape sequence that would recolour a terminal, a bell, a
    /// right-to-left override that turns "gnp.exe" into "exe.png", a C1 control; line breaks stay (quoted).
    @Test func controlCharactersAreShownAsCodePointsInBothDialects() throws {
        let hostile = "\u{1B}[31mred\u{07} \u{202E}gnp.exe \u{85}x\r\ny\tz"
        let shown = "⟨U+001B⟩[31mred⟨U+0007⟩ ⟨U+202E⟩gnp.exe ⟨U+0085⟩x\r\ny⟨U+0009⟩z"
        #expect(try csv(.export, ["v"], [[hostile]]) == "\"v\"\r\n\"\(shown)\"\r\n")
        #expect(try csv(.spreadsheet, ["v"], [[hostile]]) == "v\r\n\"\(shown)\"\r\n")
    }

    /// Raw bytes (a dump value) are escaped exactly as the same text is, for every escaped code point and
    /// its neighbours; bytes that are not UTF-8 pass through (CSV has no binary escape).
    @Test func rawBytesAreEscapedLikeTheirText() throws {
        let escaped: [UInt32] =
            Array(0x00...0x1F) + Array(0x7F...0x9F) + [0x061C, 0x200E, 0x200F] + Array(0x202A...0x202E)
            + Array(0x2066...0x2069)
        // Neighbours that share a lead byte but are not escaped.
        let kept: [UInt32] = [0xA0, 0xA9, 0x061B, 0x061D, 0x200D, 0x2010, 0x2029, 0x202F, 0x2065, 0x206A, 0x20AC]
        for value in escaped + kept {
            let scalar = try #require(Unicode.Scalar(value))
            let text = "a\"" + String(Character(scalar)) + "b"
            var fromText = CSVWriter(header: ["v"])
            var fromBytes = CSVWriter(header: ["v"])
            var textOut: [UInt8] = []
            var bytesOut: [UInt8] = []
            fromText.field(text, into: &textOut)
            fromBytes.field(Array(text.utf8), into: &bytesOut)
            #expect(bytesOut == textOut, "U+\(String(value, radix: 16))")
            // Quotes doubled scalar by scalar: `"` and a following U+200D form one Character.
            let visible = SafeText.visible(text, keepingLineBreaks: true).unicodeScalars
            let doubled = String(String.UnicodeScalarView(visible.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }))
            let expected = "\"" + doubled + "\""
            #expect(String(decoding: textOut, as: UTF8.self) == expected, "U+\(String(value, radix: 16))")
        }
        var writer = CSVWriter(header: ["v"])
        var out: [UInt8] = []
        writer.field([0xFF, 0xE2, 0x80, 0x1B, 0xC2], into: &out)  // invalid UTF-8 with a truncated override
        #expect(out == [0x22, 0xFF, 0xE2, 0x80] + Array("⟨U+001B⟩".utf8) + [0xC2, 0x22])
    }

    @Test func aRecordOfAnotherWidthIsTakenBackOut() throws {
        var writer = CSVWriter(header: ["a", "b"])
        var out: [UInt8] = []
        writer.writeHeader(into: &out)
        let header = out
        writer.field("1", into: &out)
        writer.field("2", into: &out)
        writer.field("3", into: &out)
        #expect(throws: CSVWriter.WidthMismatch(record: 1, fields: 3, columns: 2)) { try writer.endRecord(into: &out) }
        #expect(out == header)
        writer.field("1", into: &out)
        #expect(throws: CSVWriter.WidthMismatch(record: 1, fields: 1, columns: 2)) { try writer.endRecord(into: &out) }
        #expect(out == header)
        writer.field("1", into: &out)
        writer.null(into: &out)
        try writer.endRecord(into: &out)
        #expect(writer.records == 1)
        #expect(String(decoding: out, as: UTF8.self) == "\"a\",\"b\"\r\n\"1\",\r\n")
    }
}
