/// A pull cursor over the rows of one query in libpq single-row mode: one row in client memory at a
/// time, however large the result.
///
/// The cursor occupies its connection until it returns `nil`, throws, or is released (its `deinit`
/// discards the remaining rows, which still travel over the network). Stopping early on a huge result
/// therefore costs the rest of the transfer; a `LIMIT` is cheaper.
///
/// ```swift
/// let cursor = try connection.query("SELECT id, name FROM product")
/// while let row = try cursor.next() { … }
/// ```
public final class PGRowCursor {
    let connection: PGConnection
    let sql: String
    var finished = false

    init(connection: PGConnection, sql: String) {
        self.connection = connection
        self.sql = sql
    }

    deinit { drain() }

    /// The next row, or `nil` at the end.
    ///
    /// - Throws: ``PGError`` if the server reports an error part-way.
    /// The corresponding C function is `PQgetResult`.
    public func next() throws(PGError) -> PGRow? {
        guard !finished else { return nil }
        let conn = try unsafe connection.liveHandle()
        guard let raw = unsafe LibPQ.getResult(conn) else {
            finished = true
            return nil
        }
        switch unsafe LibPQ.resultStatus(raw) {
        case .singleTuple:
            return unsafe PGRow(result: PGResult(handle: raw))
        case .tuplesOK, .commandOK:
            unsafe LibPQ.clear(raw)
            drain()
            return nil
        default:
            let error = unsafe PGConnection.resultError(raw, sql: sql)
            unsafe LibPQ.clear(raw)
            drain()
            throw error
        }
    }

    /// Discards what is left so the connection can run the next statement (libpq refuses a new query
    /// while results are pending).
    func drain() {
        guard !finished, let conn = unsafe connection.handle else {
            finished = true
            return
        }
        unsafe LibPQ.discardResults(conn)
        finished = true
    }
}
