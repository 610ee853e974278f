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
    private let writesTSV: Bool
    private let insertPattern: [UInt8]

    /// The mutable state, behind a pointer: a class's stored `var`s are checked for exclusive access at run
    /// time on every use, and with one value call per column that check (and its thread-local lookups)
    /// cost almost half of the generation time at scale m. Accessing `state.pointee` is unchecked.
    private struct State {
        var row: [UInt8] = []
        var tsvRow: [UInt8] = []
        var firstColumn = true
        var firstValueOfRow = true
        var totalLength = 0
        var rowBreak = false
        var rowCount = 0
        var maxID = 0
    }

    private let state: UnsafeMutablePointer<State>

    /// Rows written.
    var rowCount: Int { state.pointee.rowCount }
    /// The largest value of the first (id) column, for `AUTO_INCREMENT=`.
    var maxID: Int { state.pointee.maxID }

    init(table: BitrixTable, dumpBody: URL?, tsv: URL?) throws {
        self.table = table
        self.dump = try dumpBody.map { try BufferedFile(url: $0) }
        self.tsv = try tsv.map { try BufferedFile(url: $0) }
        writesTSV = tsv != nil
        var pattern: [UInt8] = []
        pattern.append(utf8: "INSERT INTO `\(table.name)` VALUES ")
        insertPattern = pattern
        state = .allocate(capacity: 1)
        state.initialize(to: State())
        state.pointee.row.reserveCapacity(4096)
        state.pointee.tsvRow.reserveCapacity(writesTSV ? 4096 : 0)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    func beginRow() {
        state.pointee.row.removeAll(keepingCapacity: true)
        state.pointee.tsvRow.removeAll(keepingCapacity: true)
        state.pointee.row.append(UInt8(ascii: "("))
        state.pointee.firstColumn = true
        state.pointee.firstValueOfRow = true
    }

    @inline(__always)
    private func separate() {
        if state.pointee.firstColumn {
            state.pointee.firstColumn = false
        } else {
            state.pointee.row.append(UInt8(ascii: ","))
            if writesTSV { state.pointee.tsvRow.append(9) }
        }
    }

    func null() {
        separate()
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(ascii: "NULL")
        if writesTSV { state.pointee.tsvRow.append(ascii: "\\N") }
    }

    func int(_ value: Int) {
        separate()
        if state.pointee.firstValueOfRow { state.pointee.maxID = max(state.pointee.maxID, value) }
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(decimal: value)
        if writesTSV { state.pointee.tsvRow.append(decimal: value) }
    }

    func int(_ value: Int?) {
        if let value { int(value) } else { null() }
    }

    /// A DECIMAL(…, scale) column: `scaled / 10^scale`.
    func decimal(_ scaled: Int, scale: Int) {
        separate()
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(fixed: scaled, scale: scale)
        if writesTSV { state.pointee.tsvRow.append(fixed: scaled, scale: scale) }
    }

    /// A DOUBLE column whose value MariaDB prints exactly as `literal` (callers only use values with one
    /// obvious shortest representation: integers, halves, quarters).
    func double(_ literal: StaticString) {
        separate()
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(ascii: literal)
        if writesTSV { state.pointee.tsvRow.append(ascii: literal) }
    }

    /// A DOUBLE column holding a whole number.
    func double(whole value: Int) {
        separate()
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(decimal: value)
        if writesTSV { state.pointee.tsvRow.append(decimal: value) }
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
        let state = self.state
        if state.pointee.firstValueOfRow, let id = Int(String(decoding: value, as: UTF8.self)) {
            state.pointee.maxID = max(state.pointee.maxID, id)
        }
        state.pointee.firstValueOfRow = false
        Self.appendEscaped(value, to: &state.pointee.row)
        if writesTSV { Self.appendTSVEscaped(value, to: &state.pointee.tsvRow) }
    }

    /// `'value'` with mariadb-dump's escapes.
    private static func appendEscaped(_ value: UnsafeRawBufferPointer, to row: inout [UInt8]) {
        row.append(UInt8(ascii: "'"))
        for b in value {
            switch b {
            case 0: row.append(92); row.append(48)  // \0
            case 10: row.append(92); row.append(110)  // \n
            case 13: row.append(92); row.append(114)  // \r
            case 26: row.append(92); row.append(90)  // \Z
            case 92: row.append(92); row.append(92)  // \\
            case 39: row.append(92); row.append(39)  // \'
            case 34: row.append(92); row.append(34)  // \"
            default: row.append(b)  // TAB and other controls stay raw
            }
        }
        row.append(UInt8(ascii: "'"))
    }

    /// `value` with `LOAD DATA`'s escapes.
    private static func appendTSVEscaped(_ value: UnsafeRawBufferPointer, to row: inout [UInt8]) {
        for b in value {
            switch b {
            case 0: row.append(92); row.append(48)
            case 9: row.append(92); row.append(116)
            case 10: row.append(92); row.append(110)
            case 13: row.append(92); row.append(114)
            case 26: row.append(92); row.append(90)
            case 92: row.append(92); row.append(92)
            default: row.append(b)
            }
        }
    }

    func dateTime(_ seconds: Int) {
        separate()
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(UInt8(ascii: "'"))
        state.pointee.row.append(dateTime: seconds)
        state.pointee.row.append(UInt8(ascii: "'"))
        if writesTSV { state.pointee.tsvRow.append(dateTime: seconds) }
    }

    func dateTime(_ seconds: Int?) {
        if let seconds { dateTime(seconds) } else { null() }
    }

    func date(_ seconds: Int) {
        separate()
        state.pointee.firstValueOfRow = false
        state.pointee.row.append(UInt8(ascii: "'"))
        state.pointee.row.append(date: seconds)
        state.pointee.row.append(UInt8(ascii: "'"))
        if writesTSV { state.pointee.tsvRow.append(date: seconds) }
    }

    /// Finishes the row: mariadb-dump's extended-insert rule (client/mysqldump.c `dump_table`): a row joins the
    /// current statement while the statement stays under `net_buffer_length`, else it starts a new one.
    func endRow() throws {
        state.pointee.row.append(UInt8(ascii: ")"))
        state.pointee.rowCount += 1
        if let dump {
            let rowLength = 2 + state.pointee.row.count
            if state.pointee.rowBreak && state.pointee.totalLength + rowLength < Self.netBufferLength {
                state.pointee.totalLength += rowLength
                dump.buffer.append(ascii: ",\n")
                dump.buffer.append(contentsOf: state.pointee.row)
            } else {
                if state.pointee.rowBreak { dump.buffer.append(ascii: ";\n") }
                state.pointee.rowBreak = true
                dump.buffer.append(contentsOf: insertPattern.dropLast())
                dump.buffer.append(10)
                dump.buffer.append(contentsOf: state.pointee.row)
                state.pointee.totalLength = rowLength + insertPattern.count + 4
            }
            try dump.flushIfNeeded()
        }
        if let tsv {
            tsv.buffer.append(contentsOf: state.pointee.tsvRow)
            tsv.buffer.append(10)
            try tsv.flushIfNeeded()
        }
    }

    /// Ends the last statement and closes the files.
    func finish() throws {
        if let dump {
            if state.pointee.rowBreak { dump.buffer.append(ascii: ";\n") }
            try dump.close()
        }
        try tsv?.close()
    }
}
