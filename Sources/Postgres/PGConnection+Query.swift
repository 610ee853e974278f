import Logging
import Foundation

extension PGConnection {
    /// Runs one statement and returns its complete result.
    ///
    /// The whole result is held in client memory; use ``query(_:)`` for results that can be large. Each
    /// interpolated value travels as a bound parameter (`$1`, `$2`, …), so a value can never change the
    /// statement. Timing is logged at `trace` with the first 120 characters of the SQL.
    ///
    /// ```swift
    /// let result = try connection.execute(
    ///     "UPDATE product SET enabled = false WHERE id = \(id) AND shop_id = \(shopID)")
    /// result.affectedRows   // 0 or 1
    /// ```
    ///
    /// - Parameter query: the statement; interpolated values are bound parameters.
    /// - Returns: the result (empty for statements without rows).
    /// - Throws: ``PGError`` with the server's SQLSTATE, message and detail.
    ///
    /// The corresponding C function is `PQexecParams`.
    @discardableResult
    public func execute(_ query: PGQuery) throws(PGError) -> PGResult {
        let conn = try unsafe liveHandle()
        let started = DispatchTime.now().uptimeNanoseconds
        let (sql, binds) = query.rendered()
        let raw = unsafe LibPQ.execParams(conn, sql, binds: binds)
        let result = try unsafe checked(raw, sql: sql, expecting: [.commandOK, .tuplesOK])
        logger.trace(
            "statement",
            metadata: [
                "pg.sql": "\(sql.prefix(120))",
                "pg.ms": "\((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)",
            ])
        return result
    }

    /// Runs several statements of trusted SQL text (a migration file) in one round trip.
    ///
    /// Without an explicit `BEGIN`, the statements run as one implicit transaction: a failure rolls back
    /// all of them. Results are discarded.
    ///
    /// - warning: No parameters; never pass text built from data.
    /// - Parameter sql: One or more statements separated by `;`.
    /// - Throws: ``PGError`` `statement` with the failing statement's SQLSTATE and message (the SQL in the
    ///   error is the whole script).
    ///
    /// The corresponding C function is `PQexec`.
    public func executeScript(_ sql: String) throws(PGError) {
        let conn = try unsafe liveHandle()
        let raw = unsafe LibPQ.exec(conn, sql)
        _ = try unsafe checked(raw, sql: sql, expecting: [.commandOK, .tuplesOK, .emptyQuery])
    }

    /// Streams the rows of a query one at a time (libpq single-row mode): memory stays bounded.
    ///
    /// Read the cursor to the end (or drop it) before issuing another statement on this connection.
    /// A server error part-way (a cancel, a lost backend) surfaces from the cursor's `next()`, after the
    /// rows read so far.
    ///
    /// - Parameter query: The statement; interpolated values are bound parameters.
    /// - Returns: A cursor positioned before the first row.
    /// - Throws: ``PGError`` `statement` when the query cannot be sent; errors the server reports come
    ///   from the cursor.
    ///
    /// The corresponding C functions are `PQsendQueryParams` and `PQsetSingleRowMode`.
    public func query(_ query: PGQuery) throws(PGError) -> PGRowCursor {
        let conn = try unsafe liveHandle()
        let (sql, binds) = query.rendered()
        guard unsafe LibPQ.sendQueryParams(conn, sql, binds: binds) else {
            throw unsafe PGError(.statement, message: PGConnection.errorMessage(conn), sql: sql)
        }
        guard unsafe LibPQ.setSingleRowMode(conn) else {
            throw PGError(.statement, message: "could not enter single-row mode", sql: sql)
        }
        return PGRowCursor(connection: self, sql: sql)
    }

    /// Runs `body` inside `BEGIN … COMMIT`, rolling back if it throws.
    ///
    /// Not nestable: `body` must not call `transaction` again (PostgreSQL would warn that a transaction is
    /// already in progress and the inner `COMMIT` would end the outer one). A failed `ROLLBACK` is ignored,
    /// so the error `body` threw is the one that reaches the caller.
    ///
    /// - Parameter body: The work to do atomically, given this connection.
    /// - Returns: What `body` returns, once the commit succeeded.
    /// - Throws: What `body` throws, or ``PGError`` when `BEGIN` or `COMMIT` fails (a deferred constraint
    ///   or a serialization failure can surface at `COMMIT`).
    public func transaction<R>(_ body: (PGConnection) throws -> R) throws -> R {
        try execute("BEGIN")
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    func checked(_ raw: LibPQ.Result?, sql: String, expecting: [LibPQ.ResultStatus]) throws(PGError) -> PGResult {
        guard let raw = unsafe raw else {
            let conn = try unsafe liveHandle()
            throw unsafe PGError(.connection, message: PGConnection.errorMessage(conn), sql: sql)
        }
        guard unsafe expecting.contains(LibPQ.resultStatus(raw)) else {
            let error = unsafe PGConnection.resultError(raw, sql: sql)
            unsafe LibPQ.clear(raw)
            throw error
        }
        return unsafe PGResult(handle: raw)
    }

    static func resultError(_ raw: LibPQ.Result, sql: String?) -> PGError {
        let message = unsafe LibPQ.resultErrorField(raw, "M") ?? LibPQ.resultErrorMessage(raw)
        return unsafe PGError(
            .statement, message: message, sqlState: LibPQ.resultErrorField(raw, "C"),
            detail: LibPQ.resultErrorField(raw, "D"), sql: sql)
    }
}
