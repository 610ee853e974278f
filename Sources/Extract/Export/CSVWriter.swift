/// RFC 4180 CSV with a fixed header: every record has exactly the header's width, every value is quoted
/// with `"` doubled, NULL is an empty unquoted field, bytes are written as they are (CSV has no binary
/// escape) and records end with CRLF.
///
/// The one CSV writer of `backstop extract`: a dump table's rows (``DumpExport``) and the canonical
/// entities (``EntityCSV``). It appends to the caller's buffer, which the caller flushes between records.
///
/// ```swift
/// var csv = CSVWriter(header: ["id", "name"])
/// var out: [UInt8] = []
/// csv.writeHeader(into: &out)
/// csv.field("1", into: &out)
/// csv.field(nil, into: &out)
/// try csv.endRecord(into: &out)  // 1 record of 2 fields: "1",
/// ```
public struct CSVWriter: Sendable {
    /// The column names; every record has this many fields.
    public let header: [String]
    /// Records ended so far.
    public private(set) var records = 0
    /// Fields written to the current record.
    private var fields = 0
    /// Where the current record starts in the caller's buffer, to take a bad record back out.
    private var recordStart = 0

    /// A writer for records of `header`'s width.
    public init(header: [String]) {
        self.header = header
    }

    /// Appends the header line (each name quoted, CRLF). Call once, before the first record.
    /// - Parameter out: The output buffer.
    public func writeHeader(into out: inout [UInt8]) {
        for (n, name) in header.enumerated() {
            if n > 0 { out.append(0x2C) }
            Self.appendQuoted(name.utf8, into: &out)
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// Appends the next field of the current record: `bytes` quoted, or an empty field for `nil` (NULL).
    ///
    /// An empty string is `""`, so NULL and empty stay distinguishable (`"a",,""` is a, NULL, empty).
    /// - Parameters:
    ///   - bytes: The value's bytes, copied as they are; `nil` for NULL.
    ///   - out: The output buffer.
    public mutating func field(_ bytes: UnsafeBufferPointer<UInt8>?, into out: inout [UInt8]) {
        separate(&out)
        if let bytes = unsafe bytes { unsafe Self.appendQuoted(bytes, into: &out) }
    }

    /// Appends the next field of the current record: `text` quoted, or an empty field for `nil` (NULL).
    /// - Parameters:
    ///   - text: The value; `nil` for NULL.
    ///   - out: The output buffer.
    public mutating func field(_ text: String?, into out: inout [UInt8]) {
        separate(&out)
        if let text { Self.appendQuoted(text.utf8, into: &out) }
    }

    /// Ends the current record.
    ///
    /// - Parameter out: The output buffer the record's fields went to.
    /// - Throws: ``ExtractError`` with code ``ExtractError/Code/schema`` when the record does not have the
    ///   header's width; the record's bytes are taken back out of `out` first, so no short or long record
    ///   is ever written.
    public mutating func endRecord(into out: inout [UInt8]) throws(ExtractError) {
        let count = fields
        fields = 0
        guard count == header.count else {
            out.removeSubrange(min(recordStart, out.count)...)
            throw ExtractError(
                .schema, "CSV record \(records + 1) has \(count) fields but the header has \(header.count) columns")
        }
        out.append(contentsOf: [0x0D, 0x0A])
        records += 1
    }

    /// Writes the comma before a field (or notes where a record starts).
    private mutating func separate(_ out: inout [UInt8]) {
        if fields == 0 { recordStart = out.count } else { out.append(0x2C) }
        fields += 1
    }

    /// `"…"` with every `"` doubled; CR and LF stay inside the quotes, as RFC 4180 allows.
    private static func appendQuoted(_ bytes: some Sequence<UInt8>, into out: inout [UInt8]) {
        out.append(0x22)
        for b in bytes {
            out.append(b)
            if b == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
    }
}
