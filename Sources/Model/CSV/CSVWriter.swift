/// RFC 4180 CSV with a fixed header, the one CSV writer of Backstop: `backstop extract --format csv` (a
/// dump table's rows, the canonical entities) and the report's `csv/<kind>.csv` files.
///
/// Every record has exactly the header's width (a record of another width is taken back out and
/// ``endRecord(into:)`` throws), `nil` (NULL) is an empty unquoted field, quotes are doubled, records end
/// with CRLF. Every value is hostile text made safe as ``SafeText`` does: the C0 and C1 controls (but LF and
/// CR, which a quoted field keeps), DEL and the bidi controls become `⟨U+001B⟩`, so a terminal, `less` or a
/// spreadsheet shows the cell's characters and nothing else; other bytes are written as they are (CSV has
/// no binary escape; `--format ndjson` keeps exact values). The ``Dialect`` says how much is quoted and
/// whether formula starts are defused.
///
/// ```swift
/// var csv = CSVWriter(header: ["id", "name"])
/// var out: [UInt8] = []
/// csv.writeHeader(into: &out)
/// csv.field("1", into: &out)
/// csv.field(nil as String?, into: &out)
/// try csv.endRecord(into: &out)  // "id","name"␍␊"1",␍␊
/// ```
public struct CSVWriter: Sendable {
    /// How values are written.
    public struct Dialect: Sendable, Hashable {
        /// Quote every value (`true`), or only values holding a comma, a quote, CR or LF.
        public var quotesEverything: Bool
        /// Prefix a value that starts with `=`, `+`, `-`, `@`, tab or CR (and is not a number) with `'`, so a
        /// spreadsheet never runs it as a formula (OWASP CSV injection).
        public var defusesFormulas: Bool

        /// A dialect.
        /// - Parameters:
        ///   - quotesEverything: Quote every value, or only where RFC 4180 needs it.
        ///   - defusesFormulas: Prefix formula starts with `'`.
        public init(quotesEverything: Bool, defusesFormulas: Bool) {
            self.quotesEverything = quotesEverything
            self.defusesFormulas = defusesFormulas
        }

        /// `backstop extract`: every value quoted (an empty string and NULL stay apart), values otherwise
        /// as they are.
        public static let export = Dialect(quotesEverything: true, defusesFormulas: false)
        /// The report's `csv/` files, opened in spreadsheets: minimal quoting, formulas defused.
        public static let spreadsheet = Dialect(quotesEverything: false, defusesFormulas: true)
    }

    /// A record whose field count differs from the header's width (it was taken back out of the buffer).
    public struct WidthMismatch: Error, Sendable, Hashable, CustomStringConvertible {
        /// The record's number (1 for the first after the header).
        public var record: Int
        /// The fields it had.
        public var fields: Int
        /// The header's width.
        public var columns: Int

        /// A mismatch.
        /// - Parameters:
        ///   - record: The record's number.
        ///   - fields: The fields it had.
        ///   - columns: The header's width.
        public init(record: Int, fields: Int, columns: Int) {
            self.record = record
            self.fields = fields
            self.columns = columns
        }

        /// `CSV record 3 has 4 fields but the header has 3 columns`.
        public var description: String {
            "CSV record \(record) has \(fields) fields but the header has \(columns) columns"
        }
    }

    /// The column names; every record has this many fields.
    public let header: [String]
    /// How values are written.
    public let dialect: Dialect
    /// Records ended so far.
    public private(set) var records = 0
    private var fields = 0
    private var recordStart = 0

    /// A writer for records of `header`'s width.
    /// - Parameters:
    ///   - header: The column names.
    ///   - dialect: How values are written; ``Dialect/export`` by default.
    public init(header: [String], dialect: Dialect = .export) {
        self.header = header
        self.dialect = dialect
    }

    /// Appends the header line (its names written like values).
    /// - Parameter out: The buffer.
    public func writeHeader(into out: inout [UInt8]) {
        for (n, name) in header.enumerated() {
            if n > 0 { out.append(0x2C) }
            append(name, into: &out)
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// Appends the next field of the current record: `text`, or an empty field for `nil` (NULL).
    /// - Parameters:
    ///   - text: The value.
    ///   - out: The buffer.
    public mutating func field(_ text: String?, into out: inout [UInt8]) {
        separate(&out)
        if let text { append(text, into: &out) }
    }

    /// Appends the next field of the current record from raw bytes (a dump value), or an empty field for
    /// `nil` (NULL). Bytes that are not UTF-8 are written as they are; the controls of valid UTF-8 are
    /// escaped exactly as the text form of `field(_:into:)` escapes them.
    /// - Parameters:
    ///   - bytes: The value's bytes.
    ///   - out: The buffer.
    public mutating func field(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
        separate(&out)
        if !dialect.quotesEverything || dialect.defusesFormulas, let text = String(validating: bytes, as: UTF8.self) {
            append(text, into: &out)
        } else {
            Self.appendQuotedVisible(bytes, into: &out)
        }
    }

    /// Appends an empty field for NULL.
    /// - Parameter out: The buffer.
    public mutating func null(into out: inout [UInt8]) {
        separate(&out)
    }

    /// Ends the current record.
    ///
    /// - Parameter out: The buffer.
    /// - Throws: ``WidthMismatch`` when the record does not have the header's width; the record's bytes are
    ///   taken back out of `out` first, so no short or long record is ever written.
    public mutating func endRecord(into out: inout [UInt8]) throws(WidthMismatch) {
        let count = fields
        fields = 0
        guard count == header.count else {
            out.removeSubrange(min(recordStart, out.count)...)
            throw WidthMismatch(record: records + 1, fields: count, columns: header.count)
        }
        out.append(contentsOf: [0x0D, 0x0A])
        records += 1
    }

    private mutating func separate(_ out: inout [UInt8]) {
        if fields == 0 { recordStart = out.count } else { out.append(0x2C) }
        fields += 1
    }

    /// One value in the dialect.
    private func append(_ text: String, into out: inout [UInt8]) {
        if dialect.quotesEverything && !dialect.defusesFormulas {
            Self.appendQuotedVisible(text.utf8, into: &out)
            return
        }
        var text = SafeText.visible(text, keepingLineBreaks: true)
        if dialect.defusesFormulas, let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            Double(text) == nil
        {
            text = "'" + text
        }
        let needsQuotes =
            dialect.quotesEverything
            || text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: text.utf8)
            return
        }
        out.append(0x22)
        for byte in text.utf8 {
            out.append(byte)
            if byte == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
    }

    /// `bytes` quoted, quotes doubled, and the characters ``SafeText`` escapes (but LF and CR) shown as
    /// `⟨U+XXXX⟩`, working on the UTF-8 bytes: the fast path copies a value with no byte that can start such
    /// a character (a C0 control but LF/CR, DEL, 0xC2, 0xD8, 0xE2) in one pass.
    static func appendQuotedVisible(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
        out.append(0x22)
        if !bytes.contains(where: mayStartEscape) {
            for byte in bytes {
                out.append(byte)
                if byte == 0x22 { out.append(0x22) }
            }
        } else {
            appendVisibleSlowPath(Array(bytes), into: &out)
        }
        out.append(0x22)
    }

    /// Whether `byte` can begin a character ``SafeText`` escapes (LF and CR are kept).
    @inline(__always)
    static func mayStartEscape(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x0A && byte != 0x0D) || byte == 0x7F || byte == 0xC2 || byte == 0xD8 || byte == 0xE2
    }

    /// The escaping walk: each escaped code point's UTF-8 form is recognised byte by byte.
    static func appendVisibleSlowPath(_ bytes: [UInt8], into out: inout [UInt8]) {
        var i = 0
        func show(_ value: UInt32, width: Int) {
            out.append(contentsOf: "⟨U+\(SafeText.hex(value))⟩".utf8)
            i += width
        }
        while i < bytes.count {
            let byte = bytes[i]
            // Safe because each read of bytes[i + k] is behind a check that i + k < bytes.count.
            let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
            let third: UInt8? = i + 2 < bytes.count ? bytes[i + 2] : nil
            switch (byte, next, third) {
            case (0x00...0x1F, _, _) where byte != 0x0A && byte != 0x0D, (0x7F, _, _):
                show(UInt32(byte), width: 1)  // C0 controls but LF and CR; DEL
            case (0xC2, .some(0x80...0x9F), _):
                show(UInt32(next ?? 0), width: 2)  // C1 controls U+0080–U+009F
            case (0xD8, .some(0x9C), _):
                show(0x061C, width: 2)  // ALM
            case (0xE2, .some(0x80), .some(0x8E...0x8F)), (0xE2, .some(0x80), .some(0xAA...0xAE)):
                show(0x2000 + UInt32((third ?? 0x80) - 0x80), width: 3)  // LRM, RLM; embeddings and overrides
            case (0xE2, .some(0x81), .some(0xA6...0xA9)):
                show(0x2040 + UInt32((third ?? 0x80) - 0x80), width: 3)  // isolates U+2066–U+2069
            default:
                out.append(byte)
                if byte == 0x22 { out.append(0x22) }
                i += 1
            }
        }
    }
}
