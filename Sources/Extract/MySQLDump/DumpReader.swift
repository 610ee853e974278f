public import Foundation
public import Logging

/// Anything that hands out dump events one at a time: a single dump file, or a mydumper / `--tab`
/// directory.
///
/// The Bitrix model builder consumes this protocol, so it reads every dump layout the same way; events
/// arrive in input order, and ``DumpEvent/end(_:)`` says whether the input was complete.
public protocol DumpEventStream: AnyObject {
    /// The next event, or `nil` after ``DumpEvent/end(_:)``.
    /// - Throws: ``ExtractError`` naming the file, byte offset, line, statement and table.
    func next() throws(ExtractError) -> DumpEvent?
    /// The completion time the input's footer states (`YYYY-MM-DD HH:MM:SS`), once read; `nil` without one.
    var completedAt: String? { get }
}

extension DumpEventStream {
    /// No footer time by default (a mydumper or `--tab` directory states none in its data files).
    public var completedAt: String? { nil }
}

/// A streaming reader of one mysqldump / mariadb-dump / Bitrix backup / mydumper data file.
///
/// A byte-level state machine over a sliding window (never the whole file, never `String`): statements
/// are classified from their first words; `CREATE TABLE`, `USE` and `SET NAMES` are interpreted; the
/// rows of requested tables are decoded one at a time; everything else is skipped with a vectorised
/// scan that only tracks quotes, comments and the delimiter. gzip and zstd input is recognised by its
/// magic bytes.
///
/// Bytes stay bytes: a row's values are copied once, unescaped, into one packed buffer, and text is made
/// only when a caller asks for it; a table that is not requested costs a scan, not a parse. Every error
/// names the file, byte offset, line, statement number and table (``ExtractError``), and a truncated input
/// is an error unless ``Options/allowPartial`` is set.
///
/// Not `Sendable` and not re-entrant: one reader per input, read on one thread (the read-ahead stream
/// runs a reader on its own thread and hands over events).
///
/// ```swift
/// let reader = try DumpReader(url: dump, options: .init(tables: ["b_catalog_price"]), logger: logger)
/// while let event = try reader.next() {
///     if case .row(let row) = event { print(row["PRICE"]?.text ?? "NULL") }
/// }
/// ```
public final class DumpReader: DumpEventStream {
    /// The sliding window over the input.
    let buffer: ChunkBuffer
    /// The source's name, for errors.
    let fileName: String
    /// Which tables to decode, limits, strictness.
    let options: Options
    /// Receives warnings (stray client lines, invalid UTF-8) and the partial-end notice.
    let logger: Logger

    // The per-row state below is marked @exclusivity(unchecked): it is read and written once or more
    // per row, and the runtime's dynamic exclusivity checks cost ~8% of materialising.
    // Safe because: a DumpReader is not Sendable and not re-entrant, and no method passes one of these
    // properties inout (or borrows it) across a call that touches the same property.

    /// The current position in the window.
    @exclusivity(unchecked) var pos = 0
    /// The statement delimiter, `;` until a `DELIMITER` client command changes it (dumps with routines).
    var delimiter: [UInt8] = [0x3B]
    /// The bytes the skip scan must stop at for the current delimiter.
    var codeBytes = CodeBytes(delimiter: [0x3B])
    /// The connection charset from `SET NAMES`: what the bytes of text values mean, unless it is `binary`
    /// (then each table's own `DEFAULT CHARSET` decides).
    var charset = DumpCharset.utf8
    /// The database of the last `USE`, qualifying unqualified table names.
    var database: String?
    /// Every CREATE TABLE seen so far, by table name: the column list a row's values are matched to.
    var schemas: [String: TableInfo] = [:]
    /// 1-based number of the current statement, for errors.
    @exclusivity(unchecked) var statementNumber = 0
    /// The table of the current INSERT, for errors.
    @exclusivity(unchecked) var currentTable: String?
    /// The INSERT whose rows are being decoded, `nil` between statements.
    @exclusivity(unchecked) var rows: RowContext?
    /// Whether a `,` (or the delimiter) must come before the next row tuple.
    @exclusivity(unchecked) var expectSeparator = false
    /// Whether the footer line was the last thing read (a statement after it clears it again).
    @exclusivity(unchecked) var sawFooter = false
    /// Whether the start of the input (byte-order marks, UTF-16) was checked.
    @exclusivity(unchecked) var started = false
    /// Whether ``DumpEvent/end(_:)`` was returned or an error thrown: later calls return `nil`.
    @exclusivity(unchecked) var done = false
    /// Warnings already logged, so each is logged once per input.
    var warned: Set<String> = []
    /// Rows of each table read so far, carried across its INSERTs: UTF-8 is checked on the first 10 000.
    var checkedRowsByTable: [String: Int] = [:]
    /// The last INSERT column list and its resolution, reused while the next INSERT names the same one.
    var lastColumnList: (table: String, names: [String], columns: DumpColumns)?
    /// The row being decoded (reused from row to row).
    @exclusivity(unchecked) var builder = PackedRowBuilder()
    /// The file the deferred tables are read again from; `nil` when the input cannot be read again.
    var rereadablePath: String?
    /// Where the deferred tables' statements lie, in the order first seen.
    var deferredRegions: [DeferredRegion] = []
    /// The second read of the deferred tables, once the input's own end (or error) was reached.
    var replay: DeferredReplay?
    /// Deferred regions read ahead on threads of their own (``Options/readAhead``), by region index: each
    /// is used at its place only if its keys and extent are still the ones it was started with.
    var prefetches: [Int: DeferredPrefetch] = [:]
    /// Deferred regions handed out from their read ahead (the others were read at their place).
    var prefetchesUsed = 0
    /// Asks the consumer for a filtered table's keys (``Options/rowFilter``): the filter's own supplier,
    /// or the read-ahead stream's round trip to its consuming thread.
    var keysProvider: ((String) -> Set<Int64>?)?
    /// The keys each filtered table was given (`nil`: every row), asked once per table.
    var filterKeys: [String: RowKeySet?] = [:]
    /// Set by the row decoder when the row it read has an unwanted key and was skimmed, not decoded.
    @exclusivity(unchecked) var rowSkimmed = false

    /// Reads the file at `url` (plain, gzip or zstd; a pipe or device is streamed), failing fast when its
    /// first MiB holds no dump statement (``DumpStatementGuard``).
    /// - Throws: ``ExtractError`` when it cannot be opened.
    public convenience init(url: URL, options: Options = Options(), logger: Logger) throws(ExtractError) {
        try self.init(source: FileByteSource.openDump(path: url.path), options: options, logger: logger)
        // A plain file can be read again: its deferred tables are (``Options/deferredTables``).
        if !options.deferredTables.isEmpty, FileByteSource.isPlainFile(path: url.path) { rereadablePath = url.path }
    }

    /// Reads `source`, which the caller has already opened and, if needed, decompressed.
    /// - Parameters:
    ///   - source: The input.
    ///   - options: Which tables to decode and how strictly.
    ///   - logger: Receives warnings.
    ///   - readSize: Bytes per read from the source (tests pass small values to exercise boundaries).
    public init(source: any ByteSource, options: Options = Options(), logger: Logger, readSize: Int = 512 << 10) {
        buffer = ChunkBuffer(source: source, readSize: readSize)
        fileName = source.name
        self.options = options
        self.logger = logger
        keysProvider = options.rowFilter?.supply
    }

    /// Reads the bytes `source` serves as the part of `file` that starts at `offset`, on line `line`, with
    /// `statement` statements before it (a deferred table's second read: errors name the file's own
    /// positions).
    init(
        source: any ByteSource, file: String, offset: Int64, line: Int, statement: Int, options: Options,
        logger: Logger
    ) {
        buffer = ChunkBuffer(source: source, readSize: 512 << 10, offset: offset, line: line)
        fileName = file
        self.options = options
        self.logger = logger
        keysProvider = options.rowFilter?.supply
        unsafe statementNumber = statement
        unsafe started = true
    }

    /// Seeds table schemas and the current database (mydumper and `--tab` keep them in other files).
    /// - Parameters:
    ///   - schemas: The tables' column lists, read from their schema files.
    ///   - database: The database the data file belongs to.
    func seed(schemas: [DumpTableSchema], database: String?) {
        self.database = database
        for schema in schemas { register(TableInfo(schema, charset: nil)) }
    }

    /// The next event, or `nil` after ``DumpEvent/end(_:)``.
    /// - Throws: ``ExtractError`` with the file, byte offset, line, statement number and table. A
    ///   truncated input throws unless ``Options/allowPartial`` is set, which ends with
    ///   ``DumpCompletion/partial(reason:)`` instead. After a throw the reader is finished: later calls
    ///   return `nil`.
    public func next() throws(ExtractError) -> DumpEvent? {
        if replay == nil {
            let event: DumpEvent?
            do {
                event = try nextInPlace()
            } catch {
                guard !deferredRegions.isEmpty else { throw error }
                replay = DeferredReplay(ending: .failure(error))
                return try nextDeferred()
            }
            guard case .end = event, !deferredRegions.isEmpty else { return event }
            replay = DeferredReplay(ending: .success(event))
        }
        return try nextDeferred()
    }

    /// The next event of the input where it stands (deferred tables' statements skipped).
    private func nextInPlace() throws(ExtractError) -> DumpEvent? {
        if unsafe done { return nil }
        do {
            if unsafe !started {
                unsafe started = true
                try checkStart()
            }
            while true {
                if unsafe rows != nil {
                    if let row = try nextRow() { return .row(row) }
                    continue
                }
                if let event = try nextTopLevel() { return event }
            }
        } catch {
            unsafe done = true
            let error = error.code == .truncated ? buffer.truncation(error) : error
            if error.code == .truncated && options.allowPartial {
                logger.warning(
                    "dump is truncated; rows up to the break were read", metadata: ["dump.error": "\(error)"])
                return .end(.partial(reason: error.description))
            }
            throw error
        }
    }

    /// The time the footer says the dump was completed (`-- Dump completed on 2025-10-25 03:00:00`, Bitrix
    /// `-- Finished: 2025-10-25 03:00:00`), as `YYYY-MM-DD HH:MM:SS` wall-clock text of the dumping host;
    /// `nil` before the footer, without one, or when it carries no such time (`--skip-dump-date`).
    public private(set) var completedAt: String?

    /// Bytes of (decompressed) input consumed so far, for progress reports (all of them while the deferred
    /// tables are read again).
    public var bytesRead: Int64 {
        // The offset alone: `buffer.location(of:)` would also count the window's lines on every call.
        unsafe buffer.offsetOfBase + Int64(replay == nil ? pos : buffer.end)
    }

    // MARK: Errors

    /// An error located at window position `position` (a ``ExtractError/Code/truncated`` one becomes a
    /// partial end under ``Options/allowPartial``).
    func error(_ code: ExtractError.Code, _ message: String, at position: Int) -> ExtractError {
        let location = buffer.location(of: position)
        return unsafe ExtractError(
            code, message, file: fileName, offset: location.offset, line: location.line,
            statement: statementNumber > 0 ? statementNumber : nil, table: currentTable)
    }

    // MARK: Window helpers

    /// Makes at least `n` bytes available at `pos` unless the input ends first; returns whether it did.
    /// May slide the window: positions taken before the call are stale after it (`pos` is updated).
    @discardableResult
    func ensure(_ n: Int) throws(ExtractError) -> Bool {
        while unsafe buffer.end - pos < n {
            if unsafe buffer.isAtEOF { return false }
            try unsafe buffer.refill(keepingFrom: pos)
            unsafe pos = 0
        }
        return true
    }

    /// Skips blanks; returns `false` at the end of the input.
    func skipSpace() throws(ExtractError) -> Bool {
        while true {
            let base = unsafe buffer.base
            let end = unsafe buffer.end
            // Safe because: pos < end is checked before each read.
            while unsafe pos < end && isSpace(base[pos]) { unsafe pos &+= 1 }
            if unsafe pos < end { return true }
            if unsafe buffer.isAtEOF { return false }
            try unsafe buffer.refill(keepingFrom: pos)
            unsafe pos = 0
        }
    }

    /// Skips to just after the next LF (or the end of the input).
    func skipLine() throws(ExtractError) {
        while true {
            let j = unsafe findByte(buffer.base, pos, buffer.end, 0x0A)
            if unsafe j < buffer.end { unsafe pos = j + 1; return }
            unsafe pos = buffer.end
            if unsafe buffer.isAtEOF { return }
            try unsafe buffer.refill(keepingFrom: pos)
            unsafe pos = 0
        }
    }

    /// Whether the window at `pos` starts with `prefix` (call ``ensure(_:)`` first).
    func hasPrefix(_ prefix: StaticString, caseInsensitive: Bool = false) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard unsafe buffer.end - pos >= n else { return false }
        let p = unsafe prefix.utf8Start
        for k in 0..<n {
            let a = unsafe buffer.base[pos + k]
            let b = unsafe p[k]
            if caseInsensitive ? (a | 0x20) != (b | 0x20) : a != b { return false }
        }
        return true
    }

    // MARK: Start and end

    /// The `YYYY-MM-DD HH:MM:SS` time on the footer line at `pos`, or `nil`. mysqldump pads the hour with a
    /// space (`2025-10-25  3:00:00`); the result is always zero-padded.
    private func footerTime() -> String? {
        let base = unsafe buffer.base
        let lineEnd = unsafe findByte(base, pos, buffer.end, 0x0A)
        var k = unsafe pos
        // The time follows the first digit after the footer's words ("on ", ": ").
        while k < lineEnd, unsafe base[k] &- 0x30 >= 10 { k += 1 }
        return unsafe WallClock.footerText(UnsafeBufferPointer(start: base + k, count: lineEnd - k))
    }

    /// Refuses UTF-16 and UTF-32 input (with or without a byte-order mark) with the `iconv` command that
    /// converts it, and steps over a UTF-8 byte-order mark.
    private func checkStart() throws(ExtractError) {
        try ensure(4)
        let n = unsafe buffer.end - pos
        let b = unsafe buffer.base
        func byte(_ k: Int) -> UInt8 { unsafe k < n ? b[pos + k] : 0 }
        if byte(0) == 0xFF && byte(1) == 0xFE {
            let kind = byte(2) == 0 && byte(3) == 0 ? "UTF-32LE" : "UTF-16LE"
            throw error(
                .charset,
                "the dump is \(kind) (byte-order mark ff fe; e.g. PowerShell `>` redirection); convert it to UTF-8 first: iconv -f \(kind) -t UTF-8",
                at: unsafe pos)
        }
        if byte(0) == 0xFE && byte(1) == 0xFF {
            throw unsafe error(
                .charset,
                "the dump is UTF-16BE (byte-order mark fe ff); convert it to UTF-8 first: iconv -f UTF-16BE -t UTF-8",
                at: pos)
        }
        if byte(0) == 0 && byte(1) == 0 && byte(2) == 0xFE && byte(3) == 0xFF {
            throw unsafe error(
                .charset, "the dump is UTF-32BE (byte-order mark 00 00 fe ff); convert it to UTF-8 first", at: pos)
        }
        if n >= 4 && byte(0) != 0 && byte(1) == 0 && byte(2) != 0 && byte(3) == 0 {
            throw unsafe error(
                .charset,
                "the dump looks like UTF-16LE without a byte-order mark (every other byte is 00); convert it to UTF-8 first: iconv -f UTF-16LE -t UTF-8",
                at: pos)
        }
        if byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF { unsafe pos += 3 }
    }

    /// The end of the input at a statement boundary: complete, unless a compressed source was cut or the
    /// footer is required and missing (both `truncated`).
    private func finish() throws(ExtractError) -> DumpEvent {
        if buffer.sourceTruncation != nil {
            throw unsafe error(.truncated, "the input ends after its last complete statement", at: buffer.end)
        }
        if unsafe options.requireFooter && !sawFooter {
            throw unsafe error(
                .truncated,
                "the dump is truncated: it has no `-- Dump completed` footer after its last statement "
                    + "(a --compact/--skip-comments dump has none either; read it with --allow-partial)", at: buffer.end
            )
        }
        unsafe done = true
        return .end(.complete)
    }

    // MARK: Top level

    /// Reads comments, client commands and statements until one yields an event.
    ///
    /// At the top level: `--` line comments (noting the footer), `#` comments, `/* … */` comments (but
    /// `/*!40101 … */` version comments are statements), `DELIMITER`, stray client messages that a
    /// `mysqldump … > file 2>&1` left behind (logged and skipped), and statements.
    private func nextTopLevel() throws(ExtractError) -> DumpEvent? {
        guard try skipSpace() else { return try finish() }
        try ensure(64)
        let base = unsafe buffer.base
        let end = unsafe buffer.end
        func at(_ k: Int) -> UInt8 { unsafe pos + k < end ? base[pos + k] : 0 }
        let b = at(0)
        if unsafe b == 0x2D && at(1) == 0x2D && (pos + 2 >= end || at(2) <= 0x20) {
            if hasPrefix("-- Dump completed") || hasPrefix("-- Finished:") {
                unsafe sawFooter = true
                completedAt = footerTime()
            }
            try skipLine()
            return nil
        }
        if b == 0x23 {
            try skipLine()
            return nil
        }
        if b == 0x2F && at(1) == 0x2A {
            let executable = at(2) == 0x21 || (at(2) == 0x4D && at(3) == 0x21)
            if executable {
                var k = at(2) == 0x21 ? 3 : 4
                var version = 0
                while k < 16, at(k) >= 0x30 && at(k) <= 0x39 {
                    version = version * 10 + Int(at(k) - 0x30)
                    k += 1
                }
                // `/*M!999999\- enable the sandbox mode */`: a client command for mariadb, a comment to us.
                if version != 999999 { return try statement() }
            }
            try skipBlockComment()
            return nil
        }
        if hasPrefix("DELIMITER", caseInsensitive: true) && (at(9) == 0x20 || at(9) == 0x09) {
            try readDelimiterCommand()
            return nil
        }
        if hasPrefix("mysqldump:") || hasPrefix("mariadb-dump:") || hasPrefix("Warning:") || hasPrefix("Warning (")
            || hasPrefix("mysql:") || hasPrefix("ERROR ") || hasPrefix("[Warning]")
        {
            let start = unsafe pos
            let lineEnd = unsafe findByte(base, pos, end, 0x0A)
            let text = unsafe String(
                decoding: UnsafeBufferPointer(start: base + start, count: min(lineEnd, start + 200) - start),
                as: UTF8.self)
            let location = buffer.location(of: start)
            logger.warning(
                "skipping a stray client message line in the dump",
                metadata: [
                    "dump.file": "\(fileName)", "dump.line": "\(location.line)", "dump.offset": "\(location.offset)",
                    "dump.text": "\(text)",
                ])
            try skipLine()
            return nil
        }
        return try statement()
    }

    /// Skips a `/* … */` comment at `pos`; `truncated` when the input ends inside it.
    private func skipBlockComment() throws(ExtractError) {
        let start = unsafe pos
        unsafe pos += 2
        while true {
            let j = unsafe findByte(buffer.base, pos, buffer.end, 0x2A)
            if unsafe j + 1 < buffer.end {
                if unsafe buffer.base[j + 1] == 0x2F { unsafe pos = j + 2; return }
                unsafe pos = j + 1
                continue
            }
            unsafe pos = j
            if unsafe buffer.isAtEOF {
                throw error(
                    .truncated,
                    "the input ends inside a /* comment */ opened at byte \(buffer.location(of: start).offset)",
                    at: unsafe buffer.end)
            }
            try unsafe buffer.refill(keepingFrom: pos)
            unsafe pos = 0
        }
    }

    /// `DELIMITER xx` (a client command ended by the line, not by `;`). mysqldump emits it around
    /// triggers and routines (`DELIMITER ;;` … `DELIMITER ;`); the scanner then looks for the new one.
    private func readDelimiterCommand() throws(ExtractError) {
        try ensure(256)
        var k = unsafe pos + 9
        let end = unsafe buffer.end
        let base = unsafe buffer.base
        while unsafe k < end && (base[k] == 0x20 || base[k] == 0x09) { k += 1 }
        let start = k
        while unsafe k < end && base[k] > 0x20 { k += 1 }
        guard k > start else { throw unsafe error(.syntax, "DELIMITER without a delimiter", at: pos) }
        delimiter = unsafe Array(UnsafeBufferPointer(start: base + start, count: k - start))
        codeBytes = CodeBytes(delimiter: delimiter)
        unsafe pos = k
        try skipLine()
    }

    /// Classifies the statement at `pos` from its first words and reads, interprets or skips it.
    ///
    /// - `INSERT`/`REPLACE` into a wanted table: enters row mode (the rows are returned one by one).
    /// - `CREATE TABLE`, `USE`, `SET NAMES`/`SET CHARACTER SET`: buffered and interpreted.
    /// - Anything else (other INSERTs, `DROP`, `LOCK TABLES`, triggers, routines): skipped at scan speed.
    /// - Returns: An event for `USE` and `CREATE TABLE`, else `nil`.
    private func statement() throws(ExtractError) -> DumpEvent? {
        let statementStart = unsafe pos
        unsafe statementNumber += 1
        unsafe sawFooter = false
        unsafe currentTable = nil
        try ensure(4096)
        var lexer = unsafe SQLLexer(buffer.base, from: pos, to: buffer.end)
        let first = lexer.next()
        if first.isKeyword("INSERT") || first.isKeyword("REPLACE") {
            var t = lexer.next()
            while t.isKeyword("LOW_PRIORITY") || t.isKeyword("DELAYED") || t.isKeyword("HIGH_PRIORITY")
                || t.isKeyword("IGNORE")
            {
                t = lexer.next()
            }
            if t.isKeyword("INTO") { t = lexer.next() }
            if let first = t.identifier {
                let (qualifier, name) = lexer.qualifiedName(first)
                let db = qualifier ?? database
                unsafe currentTable = name
                if options.wants(name) {
                    if rereadablePath != nil, options.deferredTables.contains(name) {
                        try deferStatement(table: name, database: db, at: statementStart)
                        return nil
                    }
                    try beginRows(table: name, database: db)
                    return nil
                }
            }
            try skipStatement()
            return nil
        }
        var interpret = false
        if first.isKeyword("CREATE") {
            var t = lexer.next()
            while t.isKeyword("OR") || t.isKeyword("REPLACE") || t.isKeyword("TEMPORARY") { t = lexer.next() }
            interpret = t.isKeyword("TABLE")
        } else if first.isKeyword("USE") {
            interpret = true
        } else if first.isKeyword("SET") {
            let t = lexer.next()
            interpret = t.isKeyword("NAMES") || t.isKeyword("CHARACTER") || t.isKeyword("CHARSET")
        }
        guard interpret else {
            try skipStatement()
            return nil
        }
        let range = try captureStatement()
        return try interpretStatement(range)
    }

    /// Skips the statement at `pos` without buffering it: the window slides as the scan goes, so a
    /// multi-gigabyte INSERT of an unwanted table costs no memory.
    /// - Throws: ``ExtractError`` `truncated` naming where the statement began when the input ends inside
    ///   it.
    /// - Complexity: O(n) in the statement's bytes, mostly 64 at a time; O(1) memory beyond the window.
    func skipStatement() throws(ExtractError) {
        var state = ScanState()
        // The start's line is only needed for a truncation message: it is counted before the window
        // slides past it (most statements end inside the window they start in).
        var startAt = unsafe pos
        var start: (offset: Int64, line: Int)?
        var i = unsafe pos
        let code = codeBytes
        let delimiter = delimiter
        while true {
            let found = unsafe scanToEnd(
                buffer.base, &i, buffer.end, &state, delimiter: delimiter, code: code, row: false, eof: buffer.isAtEOF)
            if found {
                unsafe pos = i
                return
            }
            if start == nil { start = buffer.location(of: startAt) }
            if unsafe buffer.isAtEOF {
                unsafe pos = i
                let start = start ?? buffer.location(of: startAt)
                throw error(
                    .truncated,
                    "the input ends \(state.whereDescription) (statement from line \(start.line), byte \(start.offset))",
                    at: unsafe buffer.end)
            }
            try buffer.refill(keepingFrom: i)
            startAt = 0
            i = 0
        }
    }

    /// Buffers the statement at `pos` whole (up to ``Options/maxRowBytes``); returns its window range
    /// including the delimiter and leaves `pos` after it.
    ///
    /// Only for the statements that are interpreted (CREATE TABLE and friends), which are small; INSERTs
    /// are never buffered whole.
    /// - Throws: ``ExtractError`` `truncated` when the input ends first, `limit` past the size limit.
    func captureStatement() throws(ExtractError) -> Range<Int> {
        var state = ScanState()
        var start = unsafe pos
        var i = unsafe pos
        while true {
            let found = unsafe scanToEnd(
                buffer.base, &i, buffer.end, &state, delimiter: delimiter, code: codeBytes, row: false,
                eof: buffer.isAtEOF)
            if found { break }
            if unsafe buffer.isAtEOF {
                throw error(.truncated, "the input ends \(state.whereDescription)", at: unsafe buffer.end)
            }
            if unsafe buffer.end - start > options.maxRowBytes {
                throw error(
                    .limit, "statement longer than the \(options.maxRowBytes)-byte limit (maxRowBytes)", at: start)
            }
            try buffer.refill(keepingFrom: start)
            i -= start
            start = 0
        }
        unsafe pos = i
        return start..<i
    }
}

@inline(__always)
/// SQL whitespace between tokens: space, LF, CR, TAB, FF.
func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || b == 0x0C }
