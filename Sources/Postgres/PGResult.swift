// @safe: it owns its PGresult (PQclear in deinit); libpq bounds-checks every cell access (a bad index
// gives NULL, which traps, never stray memory).
/// A complete query result held in client memory. Use ``PGRowCursor`` for large results.
@safe public final class PGResult {
    let handle: LibPQ.Result

    init(handle: LibPQ.Result) { unsafe self.handle = handle }

    deinit { unsafe LibPQ.clear(handle) }

    /// Number of rows.
    public var rowCount: Int { unsafe LibPQ.ntuples(handle) }

    /// Number of columns.
    public var columnCount: Int { unsafe LibPQ.nfields(handle) }

    /// Rows affected by an INSERT/UPDATE/DELETE (0 when not applicable).
    public var affectedRows: Int { unsafe Int(LibPQ.cmdTuples(handle)) ?? 0 }

    /// The column names in order.
    public var columnNames: [String] {
        (0..<columnCount).map { unsafe LibPQ.fname(handle, $0) }
    }

    /// The index of a column by name, or `nil`. The name is matched exactly (quoted for libpq), so
    /// `customerName` finds `"customerName"`, not `customername`.
    /// - Parameter name: The column name as the result labels it.
    /// - Returns: The 0-based index.
    public func columnIndex(_ name: String) -> Int? {
        let i = unsafe LibPQ.fnumber(handle, "\"" + name + "\"")
        return i >= 0 ? i : nil
    }

    /// Whether a cell is SQL NULL.
    public func isNull(row: Int, column: Int) -> Bool { unsafe LibPQ.getisnull(handle, row, column) }

    /// A cell's text, or `nil` for NULL. Results are in text format, so this is what `psql` would show
    /// (`t`/`f` for booleans, ISO dates: the session sets `DateStyle = ISO`).
    /// - Parameters:
    ///   - row: 0-based row.
    ///   - column: 0-based column.
    /// - Returns: The text, `nil` for NULL.
    public func string(row: Int, column: Int) -> String? {
        if isNull(row: row, column: column) { return nil }
        // libpq gives NULL only for a cell outside the result: a caller's bug, which traps as before.
        guard let value = unsafe LibPQ.getvalue(handle, row, column) else { preconditionFailure("no such cell") }
        return unsafe String(cString: value)
    }

    /// A cell's raw bytes, or `nil` for NULL.
    public func bytes(row: Int, column: Int) -> [UInt8]? {
        if isNull(row: row, column: column) { return nil }
        let length = unsafe LibPQ.getlength(handle, row, column)
        guard let value = unsafe LibPQ.getvalue(handle, row, column) else { return [] }
        return unsafe value.withMemoryRebound(to: UInt8.self, capacity: length) {
            unsafe Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// A cell decoded as an integer; throws if it is NULL or not an integer.
    /// - Parameters:
    ///   - row: 0-based row.
    ///   - column: 0-based column.
    /// - Returns: The value.
    /// - Throws: ``PGError`` `decoding` naming the column and row (never the value).
    public func int(row: Int, column: Int) throws(PGError) -> Int {
        guard let text = string(row: row, column: column) else {
            throw PGError(.decoding, message: "column \(columnName(column)) row \(row) is NULL, expected an integer")
        }
        guard let value = Int(text) else {
            throw PGError(.decoding, message: "column \(columnName(column)) row \(row) is not an integer")
        }
        return value
    }

    /// A cell decoded as a boolean (`t`/`f`); `nil` for NULL.
    public func bool(row: Int, column: Int) -> Bool? {
        string(row: row, column: column).map { $0 == "t" }
    }

    /// The type of a column.
    ///
    /// The corresponding C function is `PQftype`.
    public func type(column: Int) -> PGType { unsafe PGType(rawValue: LibPQ.ftype(handle, column)) }

    /// A cell decoded as `T`; ask for `T?` where the column may be NULL.
    ///
    /// ```swift
    /// let result = try connection.execute("SELECT id, shop_id, updated_at FROM product WHERE id = \(id)")
    /// let shop = try result.decode(Int64?.self, row: 0, column: 1)   // nil when shop_id is NULL
    /// let updated = try result.decode(Date.self, row: 0, column: 2)
    /// ```
    ///
    /// - Throws: ``PGError`` of kind `decoding` naming the column, its type and the row (never the value)
    ///   when the cell is NULL or holds no `T`.
    public func decode<T: PGDecodable>(_: T.Type, row: Int, column: Int) throws(PGError) -> T {
        guard column >= 0 && column < columnCount && row >= 0 && row < rowCount else {
            throw PGError(
                .decoding, message: "no cell at row \(row), column \(column) (\(rowCount) rows, \(columnCount) columns)"
            )
        }
        let text = string(row: row, column: column)
        let type = type(column: column)
        guard let value = T.pgDecode(text: text, type: type) else {
            let found = text == nil ? "NULL" : "not \(T.pgExpectation)"
            throw PGError(
                .decoding,
                message: "column \(columnName(column)) (\(type)) row \(row) is \(found), expected \(T.pgExpectation)")
        }
        return value
    }

    /// A cell of the column named `name` decoded as `T`.
    ///
    /// - Throws: ``PGError`` of kind `decoding` when there is no such column, the cell is NULL or it holds
    ///   no `T`.
    public func decode<T: PGDecodable>(_: T.Type, row: Int, column name: String) throws(PGError) -> T {
        guard let column = columnIndex(name) else {
            throw PGError(
                .decoding, message: "no column \(name) in the result (\(columnNames.joined(separator: ", ")))")
        }
        return try decode(T.self, row: row, column: column)
    }

    /// Row `row` decoded into a tuple, one type per column in order.
    ///
    /// ```swift
    /// let (id, name, price) = try result.decode((Int64, String, Int64?).self, row: 0)
    /// ```
    ///
    /// - Throws: ``PGError`` of kind `decoding` when the column count differs or a cell does not decode.
    public func decode<each T: PGDecodable>(_: (repeat each T).Type, row: Int) throws(PGError) -> (repeat each T) {
        var count = 0
        for _ in repeat (each T).self { count += 1 }
        guard count == columnCount else {
            throw PGError(.decoding, message: "the result has \(columnCount) columns, decoding \(count)")
        }
        var column = 0
        func next<U: PGDecodable>(_: U.Type) throws(PGError) -> U {
            defer { column += 1 }
            return try decode(U.self, row: row, column: column)
        }
        return (repeat try next((each T).self))
    }

    /// All rows as text cells (convenient for small results and tests).
    public var rows: [[String?]] {
        (0..<rowCount).map { r in (0..<columnCount).map { c in string(row: r, column: c) } }
    }

    func columnName(_ column: Int) -> String {
        guard column < columnCount else { return "#\(column)" }
        return unsafe LibPQ.fname(handle, column)
    }
}

/// One row of a ``PGRowCursor``.
public struct PGRow {
    let result: PGResult

    /// The cell text by column index, or `nil` for NULL.
    public subscript(_ column: Int) -> String? { result.string(row: 0, column: column) }

    /// The cell text by column name, or `nil` for NULL or an unknown column.
    public subscript(_ name: String) -> String? {
        guard let i = result.columnIndex(name) else { return nil }
        return result.string(row: 0, column: i)
    }

    /// Number of columns.
    public var columnCount: Int { result.columnCount }

    /// The cell at `column` decoded as `T`; ask for `T?` where the column may be NULL.
    /// - Throws: ``PGError`` of kind `decoding` naming the column and its type.
    public func decode<T: PGDecodable>(_: T.Type, at column: Int) throws(PGError) -> T {
        try result.decode(T.self, row: 0, column: column)
    }

    /// The cell of the column named `name` decoded as `T`.
    /// - Throws: ``PGError`` of kind `decoding` naming the column and its type.
    public func decode<T: PGDecodable>(_: T.Type, named name: String) throws(PGError) -> T {
        try result.decode(T.self, row: 0, column: name)
    }

    /// The row decoded into a tuple, one type per column in order.
    /// - Throws: ``PGError`` of kind `decoding` when the column count differs or a cell does not decode.
    public func decode<each T: PGDecodable>(_: (repeat each T).Type) throws(PGError) -> (repeat each T) {
        try result.decode((repeat each T).self, row: 0)
    }
}
