import BackstopPostgres

/// A pull cursor over a binary `COPY … TO STDOUT` of the catalog: each ``next()`` decodes one row
/// into `Element`. Memory stays bounded by one row (plus the problems found so far).
///
/// Read it to the end or drop it before using the connection for anything else.
public final class CatalogCursor<Element> {
    /// Problems and row count, shared with the decoder.
    private let state: CatalogCursorState
    /// The concrete decoder's `next`: one indirect call per row, and everything behind it is
    /// specialised for `Element` (no generic metadata lookups or value-witness copies per row).
    private let pull: () throws -> Element?

    /// Values that could not be interpreted (e.g. an enum label this build does not know), in order.
    public var problems: [ParseProblem] { state.problems }
    /// Rows decoded so far.
    public var rowCount: Int { state.rowCount }

    /// A cursor over `pull`, reporting through `state`.
    init(state: CatalogCursorState, pull: @escaping () throws -> Element?) {
        self.state = state
        self.pull = pull
    }

    /// The next row, or `nil` at the end of the COPY.
    ///
    /// - Throws: ``ExtractError`` naming the table and tuple when the stream is malformed or a field
    ///   has the wrong type; `PGError` when the server fails part-way.
    public func next() throws -> Element? { try pull() }

    /// Reads every remaining row (tests and small tables; use ``next()`` for large ones).
    /// - Returns: The rows in COPY order.
    /// - Throws: What ``next()`` throws; the rows read before the failure are lost.
    public func collect() throws -> [Element] {
        var out: [Element] = []
        while let element = try next() { out.append(element) }
        return out
    }
}

@available(*, unavailable, message: "A cursor reads from a single-threaded libpq connection.")
extension CatalogCursor: Sendable {}

/// What a cursor reports besides its rows, shared between the cursor and the decoder feeding it (a class,
/// so both see the same counts without the cursor knowing the decoder's type).
final class CatalogCursorState {
    /// Values no rule could read, in order.
    var problems: [ParseProblem] = []
    /// Rows decoded so far.
    var rowCount = 0
}

/// One COPY decoded row by row with a closure: the general path for the smaller tables.
final class DecodingRowSource<Element> {
    /// The COPY stream.
    private let reader: BinaryCopyReader
    /// Turns one tuple into an element.
    private let decode: (BinaryCopyRow, inout [ParseProblem]) throws -> Element
    /// What the cursor reports.
    let state = CatalogCursorState()

    /// A source that decodes each tuple of `reader` with `decode`.
    init(reader: BinaryCopyReader, decode: @escaping (BinaryCopyRow, inout [ParseProblem]) throws -> Element) {
        self.reader = reader
        self.decode = decode
    }

    /// The next decoded row, `nil` after the COPY's trailer.
    func next() throws -> Element? {
        guard let row = try reader.nextRow() else { return nil }
        let value = try decode(row, &state.problems)
        state.rowCount += 1
        return value
    }

    /// The public cursor over this source.
    var cursor: CatalogCursor<Element> { CatalogCursor(state: state, pull: next) }
}
