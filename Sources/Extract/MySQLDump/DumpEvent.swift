/// What a dump reader hands out, in file order.
///
/// ```swift
/// while let event = try reader.next() {
///     switch event {
///     case .database(let name): current = name
///     case .table(let schema): schemas[schema.name] = schema
///     case .row(let row): try model.add(row)
///     case .end(.complete): break
///     case .end(.partial(let reason)): logger.warning("partial dump", metadata: ["reason": "\(reason)"])
///     }
/// }
/// ```
public enum DumpEvent: Sendable {
    /// `USE \`db\``: the following tables belong to this database.
    case database(String)
    /// A `CREATE TABLE` (for every table, requested or not).
    case table(DumpTableSchema)
    /// One row of a requested table.
    case row(DumpRow)
    /// The end of the input; always the last event.
    case end(DumpCompletion)
}

/// Whether the whole dump was read: the line between "absence proves something" and "absence proves
/// nothing". After a partial end no orphan and no dangling reference may be reported.
public enum DumpCompletion: Sendable, Equatable {
    /// The input ended cleanly after its footer (`-- Dump completed`, Bitrix `-- Finished:`, mydumper
    /// `Finished dump at:`).
    case complete
    /// The input was truncated (read with `allowPartial`); `reason` says how.
    case partial(reason: String)
}

/// A table's column names and declared types, from `CREATE TABLE`.
///
/// For `CREATE TABLE b_sale_basket (ID int(11) NOT NULL AUTO_INCREMENT, PRICE decimal(18,4) …)` the
/// columns are `ID`, `PRICE`, … and the types `int`, `decimal`, …: enough to know which values are
/// numbers, dates, text or binary, and nothing more (keys, defaults and comments are not kept).
public struct DumpTableSchema: Sendable {
    /// The table name.
    public var name: String
    /// The database (`USE`), when known.
    public var database: String?
    /// The columns in table order.
    public var columns: DumpColumns
    /// Each column's declared type, lower-cased and without arguments (`int`, `varchar`, `datetime`).
    public var types: [String]

    /// A schema as read from a CREATE TABLE (or a mydumper `-schema.sql` file).
    public init(name: String, database: String?, columns: DumpColumns, types: [String]) {
        self.name = name
        self.database = database
        self.columns = columns
        self.types = types
    }
}

/// How a column's values are post-processed.
enum ColumnKind: Sendable {
    /// Text: transcoded from the dump's charset to UTF-8.
    case text
    /// Bytes (BLOB, BINARY, VARBINARY, BIT, geometry): never transcoded.
    case binary
    /// DATE, DATETIME, TIMESTAMP: zero dates become NULL.
    case date
    /// Numbers (and anything else unquoted).
    case number
    /// No `CREATE TABLE` seen: text, with zero dates left alone.
    case unknown

    /// The kind of a declared type word (`varchar`, `datetime`, …); an unknown word is text.
    init(declaredType type: String) {
        switch type {
        case "date", "datetime", "timestamp": self = .date
        case "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary", "bit", "geometry", "point",
            "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection":
            self = .binary
        case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "dec", "fixed",
            "float", "double", "real", "year", "bool", "boolean", "serial":
            self = .number
        default: self = .text
        }
    }
}
