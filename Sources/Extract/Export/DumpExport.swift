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

/// What an export wrote.
public struct DumpExportSummary: Sendable, Equatable {
    /// Rows written.
    public var rows: Int
    /// Whether the dump was complete.
    public var completion: DumpCompletion
}

/// Writes one table of a dump as NDJSON or CSV (the library side of `backstop extract`).
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
        return try write(dump: dump, table: table, format: format, options: options, logger: logger) { (bytes: UnsafeRawBufferPointer) throws(ExtractError) in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ExtractError(.io, "writing the output failed: \(String(cString: strerror(errno)))", table: table)
                }
                offset += n
            }
        }
    }

    /// Like ``write(dump:table:format:to:options:logger:)`` but hands the output to `sink` in chunks.
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
        var wroteHeader = false
        func flush() throws(ExtractError) {
            guard !out.isEmpty else { return }
            let result = out.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Result<Void, ExtractError> in
                Result { () throws(ExtractError) in try sink(b) }
            }
            try result.get()
            out.removeAll(keepingCapacity: true)
        }
        while let event = try reader.next() {
            switch event {
            case .table(let s) where s.name == table:
                schema = s.columns
            case .row(let row) where row.table == table:
                if format == .csv && !wroteHeader {
                    writeCSVHeader(row.columns.names, into: &out)
                    wroteHeader = true
                }
                switch format {
                case .ndjson: writeNDJSON(row, into: &out)
                case .csv: writeCSV(row, into: &out)
                }
                rows += 1
                if out.count >= 1 << 20 { try flush() }
            case .end(let completion):
                if format == .csv && !wroteHeader, let schema { writeCSVHeader(schema.names, into: &out) }
                try flush()
                if case .partial(let reason) = completion {
                    logger.warning("the dump is partial", metadata: ["dump.reason": "\(reason)", "dump.rows": "\(rows)"])
                }
                return DumpExportSummary(rows: rows, completion: completion)
            default:
                continue
            }
        }
        try flush()
        return DumpExportSummary(rows: rows, completion: .complete)
    }

    /// One NDJSON line for `row`.
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
            row.withBytes(at: n) { bytes in
                guard let bytes else {
                    out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                    return
                }
                if isValidUTF8(bytes) {
                    BackstopModel.appendJSONString(bytes, into: &out)
                } else {
                    out.append(contentsOf: Array(#"{"base64":""#.utf8))
                    appendBase64(bytes, into: &out)
                    out.append(contentsOf: [0x22, 0x7D])
                }
            }
        }
        out.append(contentsOf: [0x7D, 0x0A])
    }

    /// Standard base64 with padding.
    public static func appendBase64(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { appendBase64($0, into: &out) }
    }

    /// Standard base64 with padding.
    static func appendBase64(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let table: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(contentsOf: [table[Int(v >> 18 & 63)], table[Int(v >> 12 & 63)], table[Int(v >> 6 & 63)], table[Int(v & 63)]])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(contentsOf: [table[Int(v >> 18 & 63)], table[Int(v >> 12 & 63)], 0x3D, 0x3D])
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(contentsOf: [table[Int(v >> 18 & 63)], table[Int(v >> 12 & 63)], table[Int(v >> 6 & 63)], 0x3D])
        }
    }

    static func writeCSVHeader(_ names: [String], into out: inout [UInt8]) {
        for (n, name) in names.enumerated() {
            if n > 0 { out.append(0x2C) }
            appendCSVField(Array(name.utf8), into: &out)
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// One CSV record: NULL is an empty unquoted field; values are quoted with `"` doubled; bytes are
    /// written as they are (CSV has no binary escape).
    static func writeCSV(_ row: DumpRow, into out: inout [UInt8]) {
        for n in 0..<row.count {
            if n > 0 { out.append(0x2C) }
            row.withBytes(at: n) { bytes in
                if let bytes { appendCSVField(bytes, into: &out) }
            }
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    static func appendCSVField(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { appendCSVField($0, into: &out) }
    }

    static func appendCSVField(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(0x22)
        for b in bytes {
            out.append(b)
            if b == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
    }
}
