import Logging

/// What the reader knows about a table from its `CREATE TABLE`.
final class TableInfo {
    /// The table's name, database and columns with their declared types.
    let schema: DumpTableSchema
    /// Each column's kind (text, binary, number, date), deciding how its values are post-processed.
    let kinds: [ColumnKind]
    /// The table's `DEFAULT CHARSET`, when given (used under `SET NAMES binary`, where mydumper sends the
    /// bytes as stored and only the table's charset says how to read them).
    let charset: DumpCharset?

    /// The reader's view of `schema`, its column kinds derived from the declared types.
    init(_ schema: DumpTableSchema, charset: DumpCharset?) {
        self.schema = schema
        kinds = schema.types.map(ColumnKind.init(declaredType:))
        self.charset = charset
    }

    /// The kind of the column named `column`, `.unknown` for a name the table does not have.
    func kind(of column: String) -> ColumnKind {
        guard let i = schema.columns.index(of: column) else { return .unknown }
        return kinds[i]
    }
}

/// The INSERT statement whose rows are being read: everything a row needs that is the same for all
/// rows of the statement, computed once in ``DumpReader/beginRows(table:database:)``.
final class RowContext {
    /// The table the rows belong to.
    let table: String
    /// Its database (qualified name or the last `USE`).
    let database: String?
    /// `nil` until the first row when neither a `CREATE TABLE` nor a column list named the columns.
    var columns: DumpColumns? {
        didSet { source = nil }
    }
    /// The shared part of the rows, made on first use and dropped when ``columns`` changes.
    private var source: DumpRowSource?

    /// What this INSERT's rows share (call once ``columns`` is set).
    var rowSource: DumpRowSource {
        if let source { return source }
        let made = DumpRowSource(table: table, database: database, columns: columns ?? DumpColumns([]))
        source = made
        return made
    }
    /// Gives the next rows a shared part of their own (the read-ahead stream's batches: the reading
    /// thread then never touches the reference count of one the consuming thread is releasing).
    func renewSource() { source = nil }
    /// Each value position's column kind (`.unknown` without a CREATE TABLE).
    let kinds: [ColumnKind]
    /// The columns whose strings may be zero dates (DATE/DATETIME/TIMESTAMP, and untyped ones).
    let dateColumns: [Int]
    /// The charset the rows' text is in: the connection's, or the table's under `SET NAMES binary`.
    let charset: DumpCharset
    /// Rows of this table read so far (shared across its INSERT statements; see `checkUTF8`).
    /// Safe because (unchecked exclusivity): only `nextRow` reads and increments it, with no overlap.
    @exclusivity(unchecked) var checkedRows: Int
    /// The key test of a filtered table (``DumpReader/Options/rowFilter``); `nil` hands out every row.
    var keyTest: RowKeyTest?
    /// The keys ``keyTest`` points into, kept alive with it.
    var keySet: RowKeySet?

    /// The context of one INSERT; `columns` is `nil` when neither a CREATE TABLE nor a column list named
    /// them (the first row then names them `c1`, `c2`, …).
    init(table: String, database: String?, columns: DumpColumns?, kinds: [ColumnKind], charset: DumpCharset) {
        self.table = table
        self.database = database
        self.columns = columns
        self.kinds = kinds
        dateColumns = kinds.indices.filter { kinds[$0] == .date || kinds[$0] == .unknown }
        self.charset = charset
        unsafe checkedRows = 0
    }
}

extension DumpReader {
    /// Remembers a table under its bare name and, when known, `database.name` (a later CREATE TABLE of
    /// the same name replaces it).
    func register(_ info: TableInfo) {
        schemas[info.schema.name] = info
        if let db = info.schema.database { schemas[db + "." + info.schema.name] = info }
    }

    /// The table `database.table`, else `table` alone (dumps of several databases may reuse names).
    func lookup(_ table: String, database: String?) -> TableInfo? {
        if let database, let info = schemas[database + "." + table] { return info }
        return schemas[table]
    }

    /// Interprets a buffered `CREATE TABLE`, `USE` or `SET NAMES` statement.
    ///
    /// From a CREATE TABLE only what reading rows needs is kept: column names in order, each column's
    /// first type word and the table's `DEFAULT CHARSET`; keys, constraints and options are skipped. A
    /// `SET NAMES` of a charset the reader cannot decode fails at once, before any row is misread.
    /// - Parameter range: The statement's window range, delimiter included.
    /// - Returns: `.database` for `USE`, `.table` for `CREATE TABLE … (…)`, `nil` for everything else.
    /// - Throws: ``ExtractError`` `syntax` for a malformed statement, `charset` for an unsupported charset.
    func interpretStatement(_ range: Range<Int>) throws(ExtractError) -> DumpEvent? {
        var lexer = unsafe SQLLexer(buffer.base, from: range.lowerBound, to: range.upperBound)
        let first = lexer.next()
        if first.isKeyword("USE") {
            guard let name = lexer.next().identifier else {
                throw error(.syntax, "USE without a database name", at: range.lowerBound)
            }
            database = name
            return .database(name)
        }
        if first.isKeyword("SET") {
            var t = lexer.next()
            if t.isKeyword("CHARACTER") { t = lexer.next() }  // SET CHARACTER SET x
            t = lexer.next()
            let name: String
            switch t {
            case .word(let w), .string(let w), .quoted(let w): name = String(decoding: w, as: UTF8.self)
            default: return nil
            }
            if name.uppercased() == "DEFAULT" { return nil }
            guard let cs = DumpCharset(mysqlName: name) else {
                throw error(
                    .charset,
                    "unsupported dump charset `\(name)` (SET NAMES); supported: utf8/utf8mb3/utf8mb4, binary, cp1251, latin1 — "
                        + "re-dump with --default-character-set=utf8mb4", at: range.lowerBound)
            }
            if cs != charset {
                logger.debug("dump charset", metadata: ["dump.charset": "\(name)"])
            }
            charset = cs
            return nil
        }
        // CREATE [OR REPLACE] [TEMPORARY] TABLE [IF NOT EXISTS] name ( … ) options
        var t = lexer.next()
        while t.isKeyword("OR") || t.isKeyword("REPLACE") || t.isKeyword("TEMPORARY") || t.isKeyword("TABLE")
            || t.isKeyword("IF") || t.isKeyword("NOT") || t.isKeyword("EXISTS")
        {
            t = lexer.next()
        }
        guard let first = t.identifier else {
            throw error(.syntax, "CREATE TABLE without a name", at: range.lowerBound)
        }
        let (qualifier, name) = lexer.qualifiedName(first)
        let db = qualifier ?? database
        unsafe currentTable = name
        guard lexer.next() == .punct(0x28) else { return nil }  // CREATE TABLE … LIKE / AS SELECT
        var names: [String] = []
        var types: [String] = []
        var depth = 1
        var atItemStart = true
        let constraintWords: [StaticString] = [
            "PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT", "FULLTEXT", "SPATIAL", "FOREIGN", "CHECK", "PERIOD",
        ]
        while depth > 0 {
            let token = lexer.next()
            switch token {
            case .end: throw error(.syntax, "unterminated CREATE TABLE column list", at: range.lowerBound)
            case .punct(0x28): depth += 1; atItemStart = false
            case .punct(0x29): depth -= 1
            case .punct(0x2C) where depth == 1: atItemStart = true
            default:
                guard atItemStart else { continue }
                atItemStart = false
                if case .word = token, constraintWords.contains(where: { token.isKeyword($0) }) { continue }
                guard let column = token.identifier else { continue }
                var type = ""
                if case .word(let w) = lexer.peek() { type = String(decoding: w, as: UTF8.self).lowercased() }
                names.append(column)
                types.append(type)
            }
        }
        // Table options: DEFAULT CHARSET=x / CHARACTER SET x.
        var tableCharset: DumpCharset?
        var previous = SQLLexer.Token.end
        while true {
            let token = lexer.next()
            if token == .end { break }
            if previous.isKeyword("CHARSET") || (previous.isKeyword("SET") && !token.isKeyword("=")) {
                if case .word(let w) = token {
                    tableCharset = DumpCharset(mysqlName: String(decoding: w, as: UTF8.self))
                }
            }
            if token != .punct(0x3D) { previous = token }
        }
        let schema = DumpTableSchema(name: name, database: db, columns: DumpColumns(names), types: types)
        register(TableInfo(schema, charset: tableCharset))
        return .table(schema)
    }

    /// Parses an INSERT header (`INSERT … INTO t [(cols)] VALUES`) and enters row mode.
    ///
    /// Columns come from the INSERT's own list when it has one (mydumper's and `--complete-insert`
    /// dumps), else from the table's CREATE TABLE, else they are named `c1`, `c2`, … with a warning.
    /// `INSERT … SELECT` and `INSERT … SET` are skipped with a warning: they carry no literal rows.
    /// - Throws: ``ExtractError`` `truncated` when the input ends inside the header, `syntax` for a
    ///   malformed column list.
    func beginRows(table: String, database db: String?) throws(ExtractError) {
        let start = unsafe pos
        try ensure(1 << 16)
        var lexer = unsafe SQLLexer(buffer.base, from: pos, to: buffer.end)
        // Re-read up to the table name (the caller validated this shape).
        var t = lexer.next()
        t = lexer.next()
        while t.isKeyword("LOW_PRIORITY") || t.isKeyword("DELAYED") || t.isKeyword("HIGH_PRIORITY")
            || t.isKeyword("IGNORE")
        {
            t = lexer.next()
        }
        if t.isKeyword("INTO") { t = lexer.next() }
        _ = lexer.qualifiedName(t.identifier ?? "")
        var list: [String]?
        var token = lexer.next()
        if token == .punct(0x28) {
            var names: [String] = []
            while true {
                token = lexer.next()
                if let name = token.identifier { names.append(name); continue }
                if token == .punct(0x2C) { continue }
                if token == .punct(0x29) { break }
                if unsafe token == .end && buffer.isAtEOF {
                    throw unsafe error(.truncated, "the input ends inside an INSERT column list", at: buffer.end)
                }
                throw error(.syntax, "malformed INSERT column list (or longer than 64 KiB)", at: start)
            }
            list = names
            token = lexer.next()
        }
        guard token.isKeyword("VALUES") || token.isKeyword("VALUE") else {
            if unsafe token == .end && buffer.isAtEOF {
                throw unsafe error(.truncated, "the input ends inside an INSERT statement", at: buffer.end)
            }
            let key = "insert-form." + table
            if warned.insert(key).inserted {
                logger.warning(
                    "skipping an INSERT that is not INSERT … VALUES",
                    metadata: ["dump.table": "\(table)", "dump.statement": unsafe "\(statementNumber)"])
            }
            unsafe pos = start
            try skipStatement()
            return
        }
        unsafe pos = lexer.i
        let info = lookup(table, database: db)
        let effectiveCharset = charset == .binary ? (info?.charset ?? .utf8) : charset
        let context: RowContext
        if let list {
            let columns: DumpColumns
            if let last = lastColumnList, last.table == table, last.names == list {
                columns = last.columns
            } else {
                columns = DumpColumns(list)
                lastColumnList = (table, list, columns)
            }
            context = RowContext(
                table: table, database: db, columns: columns, kinds: list.map { info?.kind(of: $0) ?? .unknown },
                charset: effectiveCharset)
        } else if let info {
            context = RowContext(
                table: table, database: db, columns: info.schema.columns, kinds: info.kinds, charset: effectiveCharset)
        } else {
            if warned.insert("columns." + table).inserted {
                logger.warning(
                    "no CREATE TABLE or column list for a table: columns are named c1, c2, …",
                    metadata: ["dump.table": "\(table)", "dump.file": "\(fileName)"])
            }
            context = RowContext(table: table, database: db, columns: nil, kinds: [], charset: effectiveCharset)
        }
        unsafe context.checkedRows = checkedRowsByTable[table, default: 0]
        if let (set, column, idColumn) = keyTest(table: table, columns: context.columns) {
            context.keySet = set
            context.keyTest = set.test(column: column, idColumn: idColumn)
        }
        unsafe rows = context
        unsafe expectSeparator = false
    }

    /// The key test for the rows of `table` under ``Options/rowFilter``: `nil` when the table is not
    /// filtered, its key column is not among `columns`, or the consumer wants every row. The consumer is
    /// asked once per table (``keysProvider``), when its first INSERT begins.
    private func keyTest(table: String, columns: DumpColumns?) -> (RowKeySet, column: Int, idColumn: Int)? {
        guard let filter = options.rowFilter, let name = filter.keyColumns[table],
            let column = columns?.index(of: name)
        else { return nil }
        var idColumn = -1
        if let id = filter.idColumns[table] {
            // The id is judged when the key is read: it must come first.
            guard let position = columns?.index(of: id), position < column else { return nil }
            idColumn = position
        }
        let keys: RowKeySet?
        if let known = filterKeys[table] {
            keys = known
        } else {
            keys = keysProvider?(table).map(RowKeySet.init)
            filterKeys[table] = .some(keys)
            // The consumer could give this table's keys: a deferred filtered table may now be read ahead.
            prefetchDeferred()
        }
        return keys.map { ($0, column, idColumn) }
    }
}
