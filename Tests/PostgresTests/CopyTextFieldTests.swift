import BackstopPostgres
import BackstopTestSupport
import Testing

/// The field-by-field COPY text writers write the same bytes as ``CopyText/appendRow(_:to:)``, and the
/// server reads back exactly the values written.
@Suite struct CopyTextFieldTests {
    /// Hostile and ordinary values: escapes at the ends and side by side, non-ASCII, empty, long.
    static let texts = [
        "", "plain", "\\", "a\tb", "\t\n\r\\", "end\\", "\nstart", "Букет №5 «Розы» 4 950 ₸",
        String(repeating: "x\t", count: 300), "😀\\N",
    ]
    /// Integers at the edges of `Int64` and of each digit count.
    static let integers: [Int64] = [0, 7, -7, 9, 10, -10, 99, 100, 4_294_967_295, .max, .min, .min + 1]

    @Test func fieldsWriteTheBytesOfAppendRow() {
        for text in Self.texts {
            for integer in Self.integers {
                var fields: [UInt8] = []
                CopyText.appendInteger(integer, to: &fields)
                CopyText.appendText(text, after: true, to: &fields)
                CopyText.appendText(nil, after: true, to: &fields)
                CopyText.appendInteger(nil, after: true, to: &fields)
                CopyText.appendBool(true, after: true, to: &fields)
                CopyText.appendBool(nil, after: true, to: &fields)
                CopyText.endRow(&fields)
                var row: [UInt8] = []
                CopyText.appendRow([String(integer), text, nil, nil, "t", nil], to: &row)
                #expect(fields == row, "\(integer) \(text.debugDescription)")
                var generic: [UInt8] = []
                CopyText.appendEscaped(Array(text.utf8), to: &generic)
                var fast: [UInt8] = []
                CopyText.appendEscaped(text, to: &fast)
                #expect(fast == generic, "\(text.debugDescription)")
            }
        }
    }

    @Test(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
    func theServerReadsBackEveryValue() throws {
        try TestDatabase.withConnection { db in
            try db.execute("CREATE TEMP TABLE f (n bigint, t text, b boolean)")
            let rows = Self.integers.flatMap { n in Self.texts.map { (n, $0) } }
            try db.copyIn("COPY f (n, t, b) FROM STDIN", rows: rows) { row, buffer in
                CopyText.appendInteger(row.0, to: &buffer)
                CopyText.appendText(row.1, after: true, to: &buffer)
                CopyText.appendBool(row.0 < 0 ? nil : row.0 % 2 == 0, after: true, to: &buffer)
                CopyText.endRow(&buffer)
            }
            let back = try db.execute("SELECT n::text, t, b::text FROM f ORDER BY f.n, f.t COLLATE \"C\"").rows
            let expected = rows.sorted { a, b in
                a.0 != b.0 ? a.0 < b.0 : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
            }
            .map { [String($0.0), $0.1, $0.0 < 0 ? nil : ($0.0 % 2 == 0 ? "true" : "false")] }
            let mismatch = zip(back, expected).first { $0.0 != $0.1 }
            #expect(
                back.count == expected.count && mismatch == nil, "first difference: \(String(describing: mismatch))")
        }
    }
}
