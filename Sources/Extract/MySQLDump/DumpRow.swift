/// The column names of a dumped table, shared by all its rows.
public final class DumpColumns: Sendable {
    /// Column names in table (or INSERT column-list) order.
    public let names: [String]
    private let positions: [String: Int]

    /// Creates a column list.
    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (i, name) in names.enumerated() where positions[name] == nil { positions[name] = i }
        self.positions = positions
    }

    /// The position of a column, or `nil`.
    public func index(of name: String) -> Int? { positions[name] }
}

/// One row of one table, as read from a dump.
public struct DumpRow: Sendable {
    /// The table name (without database qualifier).
    public var table: String
    /// The database the row belongs to (`USE`), when known.
    public var database: String?
    /// The columns.
    public var columns: DumpColumns
    /// The values, one per column.
    public var values: [DumpValue]

    /// Creates a row.
    public init(table: String, database: String? = nil, columns: DumpColumns, values: [DumpValue]) {
        self.table = table
        self.database = database
        self.columns = columns
        self.values = values
    }

    /// The value of a column by name; `nil` when the table has no such column.
    public subscript(_ column: String) -> DumpValue? {
        guard let i = columns.index(of: column), i < values.count else { return nil }
        return values[i]
    }
}
