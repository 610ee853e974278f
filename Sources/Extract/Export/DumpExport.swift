public import Foundation
public import Logging
import BackstopModel

#if canImport(Glibc)
    import Glibc
#endif

/// The row formats of `backstop extract`.
public enum DumpExportFormat: String, Sendable, CaseIterable {
    /// One JSON object per line; keys are column names in table order; values are JSON strings of the
    /// literal's decoded text (numbers exactly as written), `null`, or `{"base64": "…"}` for byte
    /// strings that are not valid UTF-8.
    case ndjson
    /// RFC 4180 CSV with a header line; NULL is an empty unquoted field, every other value is quoted.
    case csv
}

/// What an export wrote: what the CLI needs to pick its exit status (a partial dump read with
/// `--allow-partial` exits 3 even though every row it found was written).
public struct DumpExportSummary: Sendable, Equatable {
    /// Rows written.
    public var rows: Int
    /// Whether the dump was complete; ``DumpCompletion/partial(reason:)`` says where it broke.
    public var completion: DumpCompletion
}

/// Writes one table of a dump as NDJSON or CSV (the library side of `backstop extract`).
///
/// Streams: only the requested table is decoded, output leaves in chunks of about 1 MiB, and memory stays
/// bounded by one chunk plus the largest row. On an error the rows already decoded are written first, so
/// the output ends on a whole record.
///
/// ```swift
/// // backstop extract --dump bitrix.sql.gz --table b_catalog_price --format ndjson
/// let summary = try DumpExport.write(
///     dump: URL(fileURLWithPath: "bitrix.sql.gz"), table: "b_catalog_price", format: .ndjson,
///     to: .standardOutput, logger: logger)
/// // {"ID":"1","PRODUCT_ID":"1042","CATALOG_GROUP_ID":"1","PRICE":"4950.00","CURRENCY":"KZT",…}
/// ```
public enum DumpExport {
    /// Streams the rows of `table` in `dump` (a file or a mydumper / `--tab` directory) to `output`.
    /// - Parameters:
    ///   - dump: the dump file (plain, gzip, zstd) or directory.
    ///   - table: the table whose rows are written.
    ///   - format: NDJSON or CSV.
    ///   - output: where the bytes go (standard output in the CLI).
    ///   - options: reader options; `tables` is replaced by `[table]`.
    ///   - logger: receives warnings (stray lines, charset problems, partial dumps).
    /// - Returns: the number of rows and whether the dump was complete.
    /// - Throws: ``ExtractError`` from the reader, or when writing fails.
    @discardableResult
    public static func write(
        dump: URL, table: String, format: DumpExportFormat, to output: FileHandle,
        options: DumpReader.Options = .init(), logger: Logger
    ) throws(ExtractError) -> DumpExportSummary {
        let fd = output.fileDescriptor
        return try unsafe write(dump: dump, table: table, format: format, options: options, logger: logger) {
            (bytes: UnsafeRawBufferPointer) throws(ExtractError) in
            guard let base = bytes.baseAddress else { return }  // no base address: nothing to write
            var offset = 0
            while offset < bytes.count {
                let n = unsafe Glibc.write(fd, base + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ExtractError(
                        .io, unsafe "writing the output failed: \(String(cString: strerror(errno)))", table: table)
                }
                offset += n
            }
        }
    }

    /// Like ``write(dump:table:format:to:options:logger:)`` but hands the output to `sink` in chunks.
    ///
    /// For tests and for outputs that are not a file descriptor. Each chunk ends on a record boundary.
    /// - Parameters:
    ///   - dump: The dump file or directory.
    ///   - table: The table whose rows are written.
    ///   - format: NDJSON or CSV.
    ///   - options: Reader options; `tables` is replaced by `[table]`.
    ///   - logger: Receives warnings.
    ///   - sink: Receives the output; the buffer is valid only for the call.
    /// - Returns: The number of rows and whether the dump was complete.
    /// - Throws: ``ExtractError`` from the reader or the sink.
    @discardableResult
    public static func write(
        dump: URL, table: String, format: DumpExportFormat, options: DumpReader.Options = .init(), logger: Logger,
        sink: (UnsafeRawBufferPointer) throws(ExtractError) -> Void
    ) throws(ExtractError) -> DumpExportSummary {
        var options = options
        options.tables = [table]
        let reader = try DumpReader.open(dump, options: options, logger: logger)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var rows = 0
        var schema: DumpColumns?
        var csv: CSVTable?
        func flush() throws(ExtractError) {
            guard !out.isEmpty else { return }
            let result = unsafe out.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Result<Void, ExtractError> in
                Result { () throws(ExtractError) in try unsafe sink(b) }
            }
            out.removeAll(keepingCapacity: true)  // also when the sink failed: never hand the same bytes out twice
            try result.get()
        }
        do {
            while let event = try reader.next() {
                switch event {
                case .table(let s) where s.name == table:
                    schema = s.columns
                case .row(let row) where row.table == table:
                    switch format {
                    case .ndjson: writeNDJSON(row, into: &out)
                    case .csv:
                        let writer = csv ?? CSVTable(row.columns, into: &out)
                        csv = writer
                        try writer.write(row, into: &out)
                    }
                    rows += 1
                    if out.count >= 1 << 20 { try flush() }
                case .end(let completion):
                    if format == .csv && csv == nil, let schema { _ = CSVTable(schema, into: &out) }
                    try flush()
                    if case .partial(let reason) = completion {
                        logger.warning(
                            "the dump is partial", metadata: ["dump.reason": "\(reason)", "dump.rows": "\(rows)"])
                    }
                    return DumpExportSummary(rows: rows, completion: completion)
                default:
                    continue
                }
            }
        } catch {
            // The rows before the failure are whole records: hand them out before the error.
            try? flush()
            throw error
        }
        try flush()
        return DumpExportSummary(rows: rows, completion: .complete)
    }

    /// One NDJSON line for `row`: column names as keys in table order, every value a JSON string (numbers
    /// too, exactly as dumped: `"4950.00"` keeps its trailing zeros), NULL as `null`, and bytes that are not
    /// UTF-8 as `{"base64": "…"}`, so a blob survives the round trip.
    ///
    /// The one JSON writer of Backstop that does not go through `JSONEncoder` (every other file does, see
    /// `JSONFiles` in BackstopModel), for two measured reasons: bytes stay bytes on this hot path, and
    /// `JSONEncoder` cannot keep the table's column order. An `Encodable` row (a keyed container over the
    /// columns, each value a `String` made from the row's bytes, keys sorted) wrote as many bytes but took
    /// 3.0x the CPU of this function: `b_iblock_element` of the m world (102 744 rows, 44 MB of
    /// dump, 93 MB of NDJSON, release build, best of 3 at load 18.9 on 2 cores) exported in 1.20 CPU-s
    /// against 0.41 (the reader alone: 0.044), 82 000 rows per CPU-second against 250 000. And without
    /// `.sortedKeys` `JSONEncoder` writes keys in hash order, which changes from one process to the next;
    /// with it, columns would come out alphabetically instead of as `CREATE TABLE` lists them. The escaping
    /// is `appendJSONString(_:into:)` (BackstopModel), the project's one JSON string escaper, and
    /// `FixtureTests` parses what this writes (every value, and the keys in table order).
    /// - Parameters:
    ///   - row: The row.
    ///   - out: The output buffer; the line ends with LF.
    public static func writeNDJSON(_ row: DumpRow, into out: inout [UInt8]) {
        out.append(0x7B)
        let count = row.count
        for (n, name) in row.columns.names.enumerated() {
            if n > 0 { out.append(0x2C) }
            BackstopModel.appendJSONString(name.utf8, into: &out)
            out.append(0x3A)
            guard n < count else {
                out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                continue
            }
            unsafe row.withBytes(at: n) { bytes in
                guard let bytes = unsafe bytes else {
                    out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                    return
                }
                if unsafe isValidUTF8(bytes) {
                    unsafe BackstopModel.appendJSONString(bytes, into: &out)
                } else {
                    out.append(contentsOf: #"{"base64":""#.utf8)
                    unsafe out.append(contentsOf: Data(buffer: bytes).base64EncodedData())
                    out.append(contentsOf: [0x22, 0x7D])
                }
            }
        }
        out.append(contentsOf: [0x7D, 0x0A])
    }
}

/// The CSV of one table: a ``CSVWriter`` whose header is the table's columns (its CREATE TABLE or first
/// INSERT column list), and rows written at that width.
final class CSVTable {
    /// The header's columns; every row must have the same list.
    private let columns: DumpColumns
    /// The RFC 4180 writer, sized to the header.
    private var writer: CSVWriter

    /// Starts the table's CSV: appends its header line.
    init(_ columns: DumpColumns, into out: inout [UInt8]) {
        self.columns = columns
        writer = CSVWriter(header: columns.names)
        writer.writeHeader(into: &out)
    }

    /// One record: NULL is an empty unquoted field; values are quoted with `"` doubled; bytes are written
    /// as they are, but for the controls ``CSVWriter`` shows as `⟨U+XXXX⟩` (hostile text in a terminal).
    ///
    /// - Throws: ``ExtractError`` with code ``ExtractError/Code/schema`` when the row names other columns
    ///   than the header (an INSERT with another column list), so no row lands under the wrong heading.
    func write(_ row: DumpRow, into out: inout [UInt8]) throws(ExtractError) {
        guard row.columns === columns || row.columns.names == columns.names else {
            throw ExtractError(
                .schema, "the rows of \(row.table) name other columns than the CSV header (INSERT column lists differ)",
                table: row.table)
        }
        for n in 0..<row.count {
            unsafe row.withBytes(at: n) { bytes in
                if let bytes = unsafe bytes { unsafe writer.field(bytes, into: &out) } else { writer.null(into: &out) }
            }
        }
        do {
            try writer.endRecord(into: &out)
        } catch {
            throw ExtractError(.schema, error.description, table: row.table)
        }
    }
}
