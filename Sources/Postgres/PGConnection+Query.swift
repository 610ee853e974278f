import CLibPQ
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
        let raw = unsafe withParameters(binds) { count, types, values, lengths, formats in
            unsafe PQexecParams(conn, sql, count, types, values, lengths, formats, 0)
        }
        let result = try unsafe checked(raw, sql: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
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
        let raw = unsafe PQexec(conn, sql)
        _ = try unsafe checked(raw, sql: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
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
        let sent = unsafe withParameters(binds) { count, types, values, lengths, formats in
            unsafe PQsendQueryParams(conn, sql, count, types, values, lengths, formats, 0)
        }
        guard sent == 1 else {
            throw unsafe PGError(.statement, message: PGConnection.errorMessage(conn), sql: sql)
        }
        guard unsafe PQsetSingleRowMode(conn) == 1 else {
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

    func checked(_ raw: OpaquePointer?, sql: String, expecting: [ExecStatusType]) throws(PGError) -> PGResult {
        guard let raw = unsafe raw else {
            let conn = try unsafe liveHandle()
            throw unsafe PGError(.connection, message: PGConnection.errorMessage(conn), sql: sql)
        }
        let status = unsafe PQresultStatus(raw)
        guard expecting.contains(status) else {
            let error = unsafe PGConnection.resultError(raw, sql: sql)
            unsafe PQclear(raw)
            throw error
        }
        return unsafe PGResult(handle: raw)
    }

    static func resultError(_ raw: OpaquePointer, sql: String?) -> PGError {
        func field(_ code: Int32) -> String? {
            unsafe PQresultErrorField(raw, code).map { unsafe String(cString: $0) }
        }
        let message =
            unsafe field(Int32(UInt8(ascii: "M")))
            ?? String(cString: PQresultErrorMessage(raw)).trimmingTrailingNewlines()
        return PGError(
            .statement, message: message, sqlState: field(Int32(UInt8(ascii: "C"))),
            detail: field(Int32(UInt8(ascii: "D"))), sql: sql)
    }
}

/// Lays out bound parameters as the C arrays libpq wants, for the duration of `body`: parameter count,
/// type OIDs (0 = let the server infer), value pointers (NULL for SQL NULL), lengths and formats (0 text,
/// 1 binary). All values share one arena, so there is one allocation however many parameters.
///
/// - warning: Do not escape the pointers: they are valid only while `body` runs.
func withParameters<R>(
    _ binds: [PGBind?],
    _ body: (
        Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?
    ) -> R
) -> R {
    if binds.isEmpty { return body(0, nil, nil, nil, nil) }
    // Copy every value into one arena with NUL terminators, so each pointer stays valid for the call.
    var arena = [CChar]()
    var offsets = [Int?]()
    var lengths = [Int32]()
    var formats = [Int32]()
    var types = [Oid]()
    for bind in binds {
        types.append(bind?.typeOID ?? 0)
        guard let bind else {
            offsets.append(nil)
            lengths.append(0)
            formats.append(0)
            continue
        }
        offsets.append(arena.count)
        arena.append(contentsOf: bind.bytes.map { CChar(bitPattern: $0) })
        arena.append(0)
        lengths.append(Int32(bind.bytes.count))
        formats.append(bind.isBinary ? 1 : 0)
    }
    return unsafe arena.withUnsafeBufferPointer { base in
        let values: [UnsafePointer<CChar>?] = unsafe offsets.map { offset in
            // An offset means the arena holds at least that value's NUL, so it has a base address.
            guard let offset, let start = base.baseAddress else { return nil }
            return unsafe start + offset
        }
        return unsafe values.withUnsafeBufferPointer { v in
            unsafe lengths.withUnsafeBufferPointer { l in
                unsafe formats.withUnsafeBufferPointer { f in
                    unsafe types.withUnsafeBufferPointer { t in
                        unsafe body(Int32(binds.count), t.baseAddress, v.baseAddress, l.baseAddress, f.baseAddress)
                    }
                }
            }
        }
    }
}
