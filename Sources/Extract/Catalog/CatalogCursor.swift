import BackstopPostgres

/// A pull cursor over one binary `COPY … TO STDOUT` of the catalog: each ``next()`` decodes one tuple
/// into `Element`. Memory stays bounded by one tuple (plus the problems found so far).
///
/// Read it to the end or drop it before using the connection for anything else.
public final class CatalogCursor<Element> {
    private let reader: BinaryCopyReader
    private let decode: (BinaryCopyRow, inout [ParseProblem]) throws -> Element
    /// Values that could not be interpreted (e.g. an enum label this build does not know), in order.
    public private(set) var problems: [ParseProblem] = []
    /// Rows decoded so far.
    public private(set) var rowCount = 0

    init(
        reader: BinaryCopyReader,
        decode: @escaping (BinaryCopyRow, inout [ParseProblem]) throws -> Element
    ) {
        self.reader = reader
        self.decode = decode
    }

    /// The next row, or `nil` at the end of the COPY.
    ///
    /// - Throws: ``ExtractError`` naming the table and tuple when the stream is malformed or a field
    ///   has the wrong type; `PGError` when the server fails part-way.
    public func next() throws -> Element? {
        let value = try reader.next { row in try decode(row, &problems) }
        if value != nil { rowCount += 1 }
        return value
    }

    /// Reads every remaining row (tests and small tables; use ``next()`` for large ones).
    public func collect() throws -> [Element] {
        var out: [Element] = []
        while let element = try next() { out.append(element) }
        return out
    }
}

@available(*, unavailable, message: "A cursor reads from a single-threaded libpq connection.")
extension CatalogCursor: Sendable {}
