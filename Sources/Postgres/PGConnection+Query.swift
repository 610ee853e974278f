import CLibPQ
import Logging
import Foundation

extension PGConnection {
    /// Runs one statement and returns its complete result.
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
    /// - warning: No parameters; never pass text built from data.
    /// The corresponding C function is `PQexec`.
    public func executeScript(_ sql: String) throws(PGError) {
        let conn = try unsafe liveHandle()
        let raw = unsafe PQexec(conn, sql)
        _ = try unsafe checked(raw, sql: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
    }

    /// Streams the rows of a query one at a time (libpq single-row mode): memory stays bounded.
    ///
    /// Read the cursor to the end (or drop it) before issuing another statement on this connection.
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

/// Lays out bound parameters as the C arrays libpq wants, for the duration of `body`.
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
