import Foundation

/// Encodes the rows of one Bitrix table, column by column, into up to two forms at once:
///
/// - the body of a mariadb-dump default-flavour dump (extended INSERTs, one row per line, split like
///   mariadb-dump near `--net-buffer-length`, strings escaped exactly as `mysql_real_escape_string`);
/// - a `LOAD DATA INFILE` file (TAB-separated, `\N` for NULL, backslash escapes) for loading a real server.
///
/// Callers write `beginRow()`, one value call per column in DDL order, then `endRow()`.
final class BitrixRowWriter {
    let table: BitrixTable
    /// mariadb-dump's default `net_buffer_length` (1 MiB − 1025, rounded down to a 1 KiB block).
    static let netBufferLength = 1_046_528

    private let dump: BufferedFile?
    private let tsv: BufferedFile?
    private var row: [UInt8] = []
    private var tsvRow: [UInt8] = []
    private var firstColumn = true
    private let insertPattern: [UInt8]
    private var totalLength = 0
    private var rowBreak = false
    /// Rows written.
    private(set) var rowCount = 0
    /// The largest value of the first (id) column, for `AUTO_INCREMENT=`.
    private(set) var maxID = 0
    private var firstValueOfRow = true

    init(table: BitrixTable, dumpBody: URL?, tsv: URL?) throws {
        self.table = table
        self.dump = try dumpBody.map { try BufferedFile(url: $0) }
        self.tsv = try tsv.map { try BufferedFile(url: $0) }
        var pattern: [UInt8] = []
        pattern.append(utf8: "INSERT INTO `\(table.name)` VALUES ")
        insertPattern = pattern
        row.reserveCapacity(4096)
    }

    func beginRow() {
        row.removeAll(keepingCapacity: true)
        tsvRow.removeAll(keepingCapacity: true)
        row.append(UInt8(ascii: "("))
        firstColumn = true
        firstValueOfRow = true
    }

    @inline(__always)
    private func separate() {
        if firstColumn {
            firstColumn = false
        } else {
            row.append(UInt8(ascii: ","))
            tsvRow.append(9)
        }
    }

    func null() {
        separate()
        firstValueOfRow = false
        row.append(ascii: "NULL")
        tsvRow.append(ascii: "\\N")
    }

    func int(_ value: Int) {
        separate()
        if firstValueOfRow { maxID = max(maxID, value) }
        firstValueOfRow = false
        row.append(decimal: value)
        tsvRow.append(decimal: value)
    }

    func int(_ value: Int?) {
        if let value { int(value) } else { null() }
    }

    /// A DECIMAL(…, scale) column: `scaled / 10^scale`.
    func decimal(_ scaled: Int, scale: Int) {
        separate()
        firstValueOfRow = false
        row.append(fixed: scaled, scale: scale)
        tsvRow.append(fixed: scaled, scale: scale)
    }

    /// A DOUBLE column whose value MariaDB prints exactly as `literal` (callers only use values with one
    /// obvious shortest representation: integers, halves, quarters).
    func double(_ literal: StaticString) {
        separate()
        firstValueOfRow = false
        row.append(ascii: literal)
        tsvRow.append(ascii: literal)
    }

    /// A DOUBLE column holding a whole number.
    func double(whole value: Int) {
        separate()
        firstValueOfRow = false
        row.append(decimal: value)
        tsvRow.append(decimal: value)
    }

    func string(_ value: String) {
        var v = value
        v.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    func string(_ value: StaticString) {
        value.withUTF8Buffer { bytes(UnsafeRawBufferPointer($0)) }
    }

    /// A string column from raw bytes, escaped as `mysql_real_escape_string` does.
    func bytes(_ value: UnsafeRawBufferPointer) {
        separate()
        if firstValueOfRow, let id = Int(String(decoding: value, as: UTF8.self)) { maxID = max(maxID, id) }
        firstValueOfRow = false
        row.append(UInt8(ascii: "'"))
        for b in value {
            switch b {
            case 0: row.append(92); row.append(48)              // \0
            case 10: row.append(92); row.append(110)            // \n
            case 13: row.append(92); row.append(114)            // \r
            case 26: row.append(92); row.append(90)             // \Z
            case 92: row.append(92); row.append(92)             // \\
            case 39: row.append(92); row.append(39)             // \'
            case 34: row.append(92); row.append(34)             // \"
            default: row.append(b)                              // TAB and other controls stay raw
            }
        }
        row.append(UInt8(ascii: "'"))
        if tsv != nil {
            for b in value {
                switch b {
                case 0: tsvRow.append(92); tsvRow.append(48)
                case 9: tsvRow.append(92); tsvRow.append(116)
                case 10: tsvRow.append(92); tsvRow.append(110)
                case 13: tsvRow.append(92); tsvRow.append(114)
                case 26: tsvRow.append(92); tsvRow.append(90)
                case 92: tsvRow.append(92); tsvRow.append(92)
                default: tsvRow.append(b)
                }
            }
        }
    }

    func dateTime(_ seconds: Int) {
        separate()
        firstValueOfRow = false
        row.append(UInt8(ascii: "'"))
        row.append(dateTime: seconds)
        row.append(UInt8(ascii: "'"))
        tsvRow.append(dateTime: seconds)
    }

    func dateTime(_ seconds: Int?) {
        if let seconds { dateTime(seconds) } else { null() }
    }

    func date(_ seconds: Int) {
        separate()
        firstValueOfRow = false
        row.append(UInt8(ascii: "'"))
        row.append(date: seconds)
        row.append(UInt8(ascii: "'"))
        tsvRow.append(date: seconds)
    }

    /// Finishes the row: mariadb-dump's extended-insert rule (client/mysqldump.c `dump_table`): a row joins the
    /// current statement while the statement stays under `net_buffer_length`, else it starts a new one.
    func endRow() throws {
        row.append(UInt8(ascii: ")"))
        rowCount += 1
        if let dump {
            let rowLength = 2 + row.count
            if rowBreak && totalLength + rowLength < Self.netBufferLength {
                totalLength += rowLength
                dump.buffer.append(ascii: ",\n")
                dump.buffer.append(contentsOf: row)
            } else {
                if rowBreak { dump.buffer.append(ascii: ";\n") }
                rowBreak = true
                dump.buffer.append(contentsOf: insertPattern.dropLast())
                dump.buffer.append(10)
                dump.buffer.append(contentsOf: row)
                totalLength = rowLength + insertPattern.count + 4
            }
            try dump.flushIfNeeded()
        }
        if let tsv {
            tsv.buffer.append(contentsOf: tsvRow)
            tsv.buffer.append(10)
            try tsv.flushIfNeeded()
        }
    }

    /// Ends the last statement and closes the files.
    func finish() throws {
        if let dump {
            if rowBreak { dump.buffer.append(ascii: ";\n") }
            try dump.close()
        }
        try tsv?.close()
    }
}
