public import Logging

/// The layout of a `--tab` data file (`SELECT … INTO OUTFILE` / LOAD DATA options).
public struct TabFormat: Sendable {
    /// `--fields-terminated-by` (default TAB).
    public var fieldTerminator: UInt8
    /// `--fields-enclosed-by` / `--fields-optionally-enclosed-by` (default none).
    public var enclosedBy: UInt8?

    /// The mysqldump default: TAB-separated, not enclosed, `\` escapes, `\N` for NULL, LF rows.
    ///
    /// A dump made with `--fields-terminated-by=, --fields-optionally-enclosed-by='"'` reads with
    /// `TabFormat(fieldTerminator: UInt8(ascii: ","), enclosedBy: UInt8(ascii: "\""))`.
    public static let mysqldumpDefault = TabFormat(fieldTerminator: 0x09, enclosedBy: nil)

    /// A format matching the options the file was dumped with.
    /// - Parameters:
    ///   - fieldTerminator: The byte between fields (`--fields-terminated-by`).
    ///   - enclosedBy: The quote around fields, `nil` for none (`--fields-enclosed-by`).
    public init(fieldTerminator: UInt8, enclosedBy: UInt8?) {
        self.fieldTerminator = fieldTerminator
        self.enclosedBy = enclosedBy
    }
}

/// Reads a `mysqldump --tab` `.txt` data file with the columns of its table's `.sql`.
///
/// The format is LOAD DATA's, not SQL's: one row per LF-terminated line, fields separated by TAB, `\N`
/// for NULL, backslash escapes (`\t`, `\n`, `\\`, `\0`), no quotes unless the dump was made with
/// `--fields-enclosed-by`. The values carry no type, so the table's declared types decide which are
/// numbers and which are zero dates. Every row ends with an LF, so a file cut mid-row is detected.
///
/// For `CREATE TABLE b_user (ID int, LOGIN varchar(50), EMAIL varchar(255))`, the `b_user.txt` line
///
/// ```text
/// 7⇥anna⇥\N
/// ```
///
/// (⇥ a TAB byte) is the row `ID = 7` (a number), `LOGIN = 'anna'`, `EMAIL = NULL`.
public final class TabFileReader: DumpEventStream {
    /// The window over the file.
    private let buffer: ChunkBuffer
    /// The table, from its `.sql` file.
    private let schema: DumpTableSchema
    /// Shared by every row of the file.
    private let rowSource: DumpRowSource
    /// Each column's kind, from the declared types.
    private let kinds: [ColumnKind]
    /// Separator and enclosure.
    private let format: TabFormat
    /// Limits, zero dates, partial reads.
    private let options: DumpReader.Options
    /// Receives warnings.
    private let logger: Logger
    /// The next row's window position.
    private var pos = 0
    /// Rows read so far.
    private var rowNumber = 0
    /// Whether the end was returned or an error thrown.
    private var done = false

    /// Reads `source` as rows of `schema`.
    /// - Parameters:
    ///   - source: The `.txt` file (plain or compressed).
    ///   - schema: The table's columns and declared types.
    ///   - format: The field layout (mysqldump's default unless other `--fields-*` options were used).
    ///   - options: Limits and zero-date mapping (`tables` is not consulted: the caller chose the file).
    ///   - logger: Receives warnings.
    public init(
        source: any ByteSource, schema: DumpTableSchema, format: TabFormat = .mysqldumpDefault,
        options: DumpReader.Options, logger: Logger
    ) {
        buffer = ChunkBuffer(source: source, readSize: 1 << 20)
        self.schema = schema
        rowSource = DumpRowSource(table: schema.name, database: schema.database, columns: schema.columns)
        kinds = schema.types.map(ColumnKind.init(declaredType:))
        self.format = format
        self.options = options
        self.logger = logger
    }

    /// An error at window position `position`, naming the file, offset, line and table.
    private func error(_ code: ExtractError.Code, _ message: String, at position: Int) -> ExtractError {
        let location = buffer.location(of: position)
        return ExtractError(
            code, message, file: buffer.source.name, offset: location.offset, line: location.line, table: schema.name)
    }

    /// The next row, then ``DumpEvent/end(_:)``.
    /// - Throws: ``ExtractError`` on malformed or truncated input (a last row without its LF). A
    ///   ``ExtractError/Code/truncated`` one ends with ``DumpCompletion/partial(reason:)`` instead when
    ///   ``DumpReader/Options/allowPartial`` is set.
    public func next() throws(ExtractError) -> DumpEvent? {
        if done { return nil }
        do {
            return try nextRow()
        } catch {
            done = true
            let error = error.code == .truncated ? buffer.truncation(error) : error
            if error.code == .truncated && options.allowPartial { return .end(.partial(reason: error.description)) }
            throw error
        }
    }

    /// The next row (growing the window for a long one), or the end when the file ends after an LF.
    private func nextRow() throws(ExtractError) -> DumpEvent {
        while true {
            if unsafe pos < buffer.end, let (values, next) = try unsafe decodeRow(limit: buffer.end) {
                let start = pos
                pos = next
                rowNumber += 1
                guard values.count == schema.columns.names.count else {
                    throw error(
                        .schema,
                        "row has \(values.count) fields but the table has \(schema.columns.names.count) columns",
                        at: start)
                }
                return .row(DumpRow(source: rowSource, values: values))
            }
            if unsafe buffer.isAtEOF {
                guard unsafe pos == buffer.end && buffer.sourceTruncation == nil else {
                    throw error(.truncated, "the input ends inside a row (no final LF): the file is truncated", at: pos)
                }
                done = true
                return .end(.complete)
            }
            if unsafe buffer.end - pos > options.maxRowBytes {
                throw error(.limit, "row longer than the \(options.maxRowBytes)-byte limit (maxRowBytes)", at: pos)
            }
            try buffer.refill(keepingFrom: pos)
            pos = 0
        }
    }

    /// Decodes the row at `pos`; `nil` when it continues past `limit`.
    ///
    /// `\N` is NULL only as a whole field; an enclosed field is always a string, even in a numeric
    /// column.
    /// - Returns: The values and the position after the row's LF.
    private func decodeRow(limit: Int) throws(ExtractError) -> ([DumpValue], Int)? {
        let base = unsafe UnsafePointer(buffer.base)
        let term = format.fieldTerminator
        var values: [DumpValue] = []
        values.reserveCapacity(kinds.count)
        var i = pos
        while true {
            var out: [UInt8] = []
            var isNull = false
            var enclosed = false
            if let enc = format.enclosedBy, i < limit, unsafe base[i] == enc {
                enclosed = true
                i += 1
                while true {
                    guard i < limit else { return nil }
                    let b = unsafe base[i]
                    if b == 0x5C {
                        guard i + 1 < limit else { return nil }
                        unsafe out.append(MySQLEscape.byte(after: base[i + 1]))
                        i += 2
                    } else if b == enc {
                        guard i + 1 < limit else { return nil }
                        if unsafe base[i + 1] == enc { out.append(enc); i += 2; continue }
                        i += 1
                        break
                    } else {
                        out.append(b)
                        i += 1
                    }
                }
            } else {
                let fieldStart = i
                while true {
                    guard i < limit else { return nil }
                    let b = unsafe base[i]
                    if b == term || b == 0x0A { break }
                    if b == 0x5C {
                        guard i + 1 < limit else { return nil }
                        let next = unsafe base[i + 1]
                        if unsafe next == 0x4E && i == fieldStart && i + 2 < limit
                            && (base[i + 2] == term || base[i + 2] == 0x0A)
                        {
                            isNull = true
                        } else {
                            out.append(MySQLEscape.byte(after: next))
                        }
                        i += 2
                    } else {
                        out.append(b)
                        i += 1
                    }
                }
            }
            guard i < limit else { return nil }
            let n = values.count
            let kind = n < kinds.count ? kinds[n] : .unknown
            if isNull {
                values.append(.null)
            } else if kind == .date && options.zeroDatesAsNull && isZeroDate(out) {
                values.append(.null)
            } else if kind == .number && !enclosed {
                values.append(.number(out))
            } else {
                values.append(.string(out))
            }
            let b = unsafe base[i]
            i += 1
            if b == 0x0A { return (values, i) }
            if b != term { throw error(.syntax, "expected a field separator after an enclosed field", at: i - 1) }
        }
    }
}
