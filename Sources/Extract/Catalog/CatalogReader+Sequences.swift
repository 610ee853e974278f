import BackstopPostgres

/// A sequence's state as `nextval` would use it: what ``nextValue`` the next catalog-created product will
/// get, which the reconciler checks against the Bitrix element id range.
public struct CatalogSequence: Sendable, Hashable {
    /// The sequence's qualified name (`public.product_id_seq`).
    public var name: String
    /// `last_value`.
    public var lastValue: Int64
    /// `is_called`: whether `last_value` was already handed out.
    public var isCalled: Bool
    /// `increment_by`.
    public var increment: Int64

    /// A sequence state as read from the sequence relation and `pg_sequence`.
    public init(name: String, lastValue: Int64, isCalled: Bool, increment: Int64) {
        self.name = name
        self.lastValue = lastValue
        self.isCalled = isCalled
        self.increment = increment
    }

    /// The value the next `nextval` returns: `last_value + increment` once called, else `last_value`.
    public var nextValue: Int64 { isCalled ? lastValue + increment : lastValue }
}

extension CatalogReader {
    /// The serial sequence behind `table.column` (`pg_get_serial_sequence`), or `nil` when there is none.
    ///
    /// `last_value` and `is_called` live in the sequence relation itself; `query_to_xml` reads them with
    /// the name as data (no SQL is assembled from text here).
    ///
    /// ```swift
    /// let sequence = try reader.serialSequence(table: "product", column: "id")
    /// sequence?.nextValue   // 698869 when last_value is 698868 and already called
    /// ```
    /// - Parameters:
    ///   - table: The table, as `pg_get_serial_sequence` takes it (schema-qualified or on the search path).
    ///   - column: The serial or identity column.
    /// - Returns: The sequence's state; `nil` when the column has no sequence.
    /// - Throws: `PGError` when the query fails (an unknown table or column is an error, not `nil`).
    public func serialSequence(table: String, column: String) throws -> CatalogSequence? {
        let result = try connection.execute(
            """
            SELECT q.name,
                   (xpath('/row/last_value/text()', q.x))[1]::text::bigint,
                   (xpath('/row/is_called/text()', q.x))[1]::text::boolean,
                   s.seqincrement
              FROM (SELECT seq AS name,
                           query_to_xml(format('SELECT last_value, is_called FROM %s', seq), false, true, '') AS x
                      FROM pg_get_serial_sequence(\(table), \(column)) AS seq
                     WHERE seq IS NOT NULL) q
              JOIN pg_sequence s ON s.seqrelid = q.name::regclass
            """)
        guard result.rowCount == 1, let name = result.string(row: 0, column: 0),
            let last = result.string(row: 0, column: 1).flatMap({ Int64($0) }),
            let increment = result.string(row: 0, column: 3).flatMap({ Int64($0) })
        else { return nil }
        return CatalogSequence(
            name: name, lastValue: last, isCalled: result.bool(row: 0, column: 2) ?? true, increment: increment)
    }
}
