import CLibPQ
import Glibc

// The one internal call surface of libpq (as swift-system's `Internals/Syscalls.swift` is of the system
// calls): every `PQ*` call of Backstop is made here and nowhere else, and this is the only file that imports
// `CLibPQ`. Each wrapper is named after its C function without the `PQ` prefix, does nothing but the call and
// the conversion of C types into Swift ones (C strings into `String`, status enums into the cases the
// module checks, `int` flags into `Bool`), and keeps libpq's ownership rules: what a `PQ*` function returns
// for the caller to free, its wrapper returns for the caller to free with the matching wrapper.

// @safe: thin wrappers; each caller owns the handles it passes (a `PGconn` used by one thread at a time,
// a `PGresult` until `clear`), as the libpq documentation requires of the C calls.
/// libpq, one thin wrapper per C function the module calls.
@safe enum LibPQ {
    /// A `PGconn *`: one connection, owned by ``PGConnection`` (freed with ``finish(_:)``).
    typealias Connection = OpaquePointer
    /// A `PGresult *`, freed with ``clear(_:)``.
    typealias Result = OpaquePointer
    /// A `PGcancel *`, freed with ``freeCancel(_:)``.
    typealias Cancel = OpaquePointer

    /// The statuses of a result the module tells apart (`ExecStatusType`).
    enum ResultStatus: Equatable {
        /// `PGRES_COMMAND_OK`: a statement that returns no rows succeeded.
        case commandOK
        /// `PGRES_TUPLES_OK`: a query succeeded (its rows, or the end of a single-row stream).
        case tuplesOK
        /// `PGRES_EMPTY_QUERY`: the text held no statement.
        case emptyQuery
        /// `PGRES_COPY_OUT`: a `COPY … TO STDOUT` started.
        case copyOut
        /// `PGRES_COPY_IN`: a `COPY … FROM STDIN` started.
        case copyIn
        /// `PGRES_SINGLE_TUPLE`: one row of a single-row-mode stream.
        case singleTuple
        /// Anything else: an error (`PGRES_FATAL_ERROR`, `PGRES_BAD_RESPONSE`) or a status the module never
        /// asks for.
        case other
    }

    /// Where a connection is between statements (`PGTransactionStatusType`).
    enum TransactionStatus: Equatable {
        /// `PQTRANS_IDLE`: outside a transaction block.
        case idle
        /// `PQTRANS_ACTIVE`: a command is in progress.
        case active
        /// `PQTRANS_INTRANS`: inside a valid transaction block.
        case inTransaction
        /// `PQTRANS_INERROR`: inside a failed transaction block.
        case inError
        /// `PQTRANS_UNKNOWN`: the connection is bad.
        case unknown
    }

    // MARK: Connections

    /// `PQconnectdbParams(keywords, values, expand_dbname)`: opens a connection (check it with
    /// ``isConnected(_:)``; free it with ``finish(_:)`` either way). `nil` only when libpq cannot allocate.
    static func connectdbParams(keywords: [String], values: [String], expandDBName: Bool) -> Connection? {
        unsafe withCStrings(keywords) { keywordPointers in
            unsafe withCStrings(values) { valuePointers in
                unsafe PQconnectdbParams(keywordPointers, valuePointers, expandDBName ? 1 : 0)
            }
        }
    }

    /// `PQstatus(conn) == CONNECTION_OK`: whether the connection is good.
    static func isConnected(_ conn: Connection) -> Bool { unsafe PQstatus(conn) == CONNECTION_OK }

    /// `PQfinish`: closes the connection and frees it.
    static func finish(_ conn: Connection) { unsafe PQfinish(conn) }

    /// `PQerrorMessage`: the connection's last error message, without its trailing newline.
    static func errorMessage(_ conn: Connection) -> String? {
        unsafe PQerrorMessage(conn).map { unsafe String(cString: $0).trimmingTrailingNewlines() }
    }

    /// `PQserverVersion`: the server version as a number (`150018`).
    static func serverVersion(_ conn: Connection) -> Int { unsafe Int(PQserverVersion(conn)) }

    /// `PQlibVersion`: the linked libpq's version as a number.
    static func libVersion() -> Int { Int(PQlibVersion()) }

    /// `PQhost`: the server host (or socket directory) of the connection.
    static func host(_ conn: Connection) -> String? { unsafe PQhost(conn).map { unsafe String(cString: $0) } }

    /// `PQport`: the server port of the connection.
    static func port(_ conn: Connection) -> String? { unsafe PQport(conn).map { unsafe String(cString: $0) } }

    /// `PQdb`: the database name of the connection.
    static func db(_ conn: Connection) -> String? { unsafe PQdb(conn).map { unsafe String(cString: $0) } }

    /// `PQtransactionStatus`: where the connection is between statements.
    static func transactionStatus(_ conn: Connection) -> TransactionStatus {
        switch unsafe PQtransactionStatus(conn) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_ACTIVE: .active
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .inError
        default: .unknown
        }
    }

    /// `PQconninfo` then `PQconninfoFree`: the connection's parameters in use (keyword and value, for the
    /// options that have one); `nil` when libpq cannot report them.
    static func conninfo(_ conn: Connection) -> [(keyword: String, value: String)]? {
        guard let options = unsafe PQconninfo(conn) else { return nil }
        defer { unsafe PQconninfoFree(options) }
        var out: [(keyword: String, value: String)] = []
        var option = unsafe options
        while let keyword = unsafe option.pointee.keyword {
            if let value = unsafe option.pointee.val {
                unsafe out.append((String(cString: keyword), String(cString: value)))
            }
            unsafe option += 1
        }
        return out
    }

    // MARK: Statements

    /// `PQexecParams` with `binds` as the parameters (text or binary each, as ``PGBind`` says) and text
    /// results: the result to check, or `nil` when libpq could not send (see ``errorMessage(_:)``).
    static func execParams(_ conn: Connection, _ sql: String, binds: [PGBind?]) -> Result? {
        unsafe withParameters(binds) { count, types, values, lengths, formats in
            unsafe PQexecParams(conn, sql, count, types, values, lengths, formats, 0)
        }
    }

    /// `PQexec`: runs the statements of `sql` (no parameters); the last statement's result.
    static func exec(_ conn: Connection, _ sql: String) -> Result? { unsafe PQexec(conn, sql) }

    /// `PQsendQueryParams` (text results): sends the query without waiting; whether it was sent.
    static func sendQueryParams(_ conn: Connection, _ sql: String, binds: [PGBind?]) -> Bool {
        unsafe withParameters(binds) { count, types, values, lengths, formats in
            unsafe PQsendQueryParams(conn, sql, count, types, values, lengths, formats, 0)
        } == 1
    }

    /// `PQsetSingleRowMode`: the query just sent returns its rows one result each; whether it took.
    static func setSingleRowMode(_ conn: Connection) -> Bool { unsafe PQsetSingleRowMode(conn) == 1 }

    /// `PQgetResult`: the next result of the command in progress, `nil` when it is done.
    static func getResult(_ conn: Connection) -> Result? { unsafe PQgetResult(conn) }

    /// `PQgetResult` until `nil`, clearing each: discards what is left of the command in progress.
    static func discardResults(_ conn: Connection) {
        while let result = unsafe PQgetResult(conn) { unsafe PQclear(result) }
    }

    /// `PQclear`: frees a result.
    static func clear(_ result: Result) { unsafe PQclear(result) }

    // MARK: Results

    /// `PQresultStatus`.
    static func resultStatus(_ result: Result) -> ResultStatus {
        switch unsafe PQresultStatus(result) {
        case PGRES_COMMAND_OK: .commandOK
        case PGRES_TUPLES_OK: .tuplesOK
        case PGRES_EMPTY_QUERY: .emptyQuery
        case PGRES_COPY_OUT: .copyOut
        case PGRES_COPY_IN: .copyIn
        case PGRES_SINGLE_TUPLE: .singleTuple
        default: .other
        }
    }

    /// `PQresultErrorField`: one field of an error result (`M` message, `C` SQLSTATE, `D` detail).
    static func resultErrorField(_ result: Result, _ code: Character) -> String? {
        guard let ascii = code.asciiValue else { return nil }
        return unsafe PQresultErrorField(result, Int32(ascii)).map { unsafe String(cString: $0) }
    }

    /// `PQresultErrorMessage`: an error result's whole message, without its trailing newline.
    static func resultErrorMessage(_ result: Result) -> String {
        unsafe String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
    }

    /// `PQntuples`: the rows of a result.
    @inline(__always) static func ntuples(_ result: Result) -> Int { unsafe Int(PQntuples(result)) }

    /// `PQnfields`: the columns of a result.
    @inline(__always) static func nfields(_ result: Result) -> Int { unsafe Int(PQnfields(result)) }

    /// `PQcmdTuples`: the rows a command affected, as libpq's text (empty when not applicable).
    static func cmdTuples(_ result: Result) -> String { unsafe String(cString: PQcmdTuples(result)) }

    /// `PQfname`: a column's name.
    static func fname(_ result: Result, _ column: Int) -> String {
        unsafe String(cString: PQfname(result, Int32(column)))
    }

    /// `PQfnumber`: a column's index by name (quote the name to match it case-sensitively), -1 for none.
    static func fnumber(_ result: Result, _ name: String) -> Int { unsafe Int(PQfnumber(result, name)) }

    /// `PQftype`: a column's type OID.
    static func ftype(_ result: Result, _ column: Int) -> UInt32 { unsafe UInt32(PQftype(result, Int32(column))) }

    /// `PQgetisnull`: whether a cell is SQL NULL.
    @inline(__always) static func getisnull(_ result: Result, _ row: Int, _ column: Int) -> Bool {
        unsafe PQgetisnull(result, Int32(row), Int32(column)) == 1
    }

    /// `PQgetvalue`: a cell's value, NUL-terminated, owned by the result (valid until ``clear(_:)``).
    @inline(__always) static func getvalue(_ result: Result, _ row: Int, _ column: Int) -> UnsafeMutablePointer<
        CChar
    >? {
        unsafe PQgetvalue(result, Int32(row), Int32(column))
    }

    /// `PQgetlength`: a cell's length in bytes.
    @inline(__always) static func getlength(_ result: Result, _ row: Int, _ column: Int) -> Int {
        unsafe Int(PQgetlength(result, Int32(row), Int32(column)))
    }

    // MARK: COPY

    /// `PQputCopyData`: queues one chunk of COPY data; 1 sent or queued, 0 full (non-blocking only), -1
    /// error.
    static func putCopyData(_ conn: Connection, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let start = bytes.baseAddress else { return 1 }
        return unsafe PQputCopyData(conn, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
    }

    /// `PQputCopyEnd`: ends the COPY data (`errorMessage` non-nil: aborts the COPY with it); 1 sent, -1
    /// error.
    static func putCopyEnd(_ conn: Connection, errorMessage: String?) -> Int32 {
        unsafe PQputCopyEnd(conn, errorMessage)
    }

    /// `PQgetCopyData` (blocking): the length of the next COPY data message, which `buffer` then points at
    /// (free it with ``freemem(_:)``); -1 at the end of the COPY, -2 on an error.
    @inline(__always) static func getCopyData(_ conn: Connection, _ buffer: inout UnsafeMutablePointer<CChar>?)
        -> Int32
    {
        unsafe PQgetCopyData(conn, &buffer, 0)
    }

    /// `PQfreemem`: frees memory libpq allocated for the caller (a COPY data message).
    @inline(__always) static func freemem(_ pointer: UnsafeMutableRawPointer) { unsafe PQfreemem(pointer) }

    // MARK: Cancelling

    /// `PQgetCancel`: the object that cancels what the connection runs (free it with ``freeCancel(_:)``).
    static func getCancel(_ conn: Connection) -> Cancel? { unsafe PQgetCancel(conn) }

    /// `PQcancel`: sends the cancel request (safe from another thread); whether it was sent.
    @discardableResult static func cancel(_ cancel: Cancel) -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return unsafe buffer.withUnsafeMutableBufferPointer { unsafe PQcancel(cancel, $0.baseAddress, 256) } == 1
    }

    /// `PQfreeCancel`.
    static func freeCancel(_ cancel: Cancel) { unsafe PQfreeCancel(cancel) }
}

/// Lays out bound parameters as the C arrays libpq wants, for the duration of `body`: parameter count,
/// type OIDs (0 = let the server infer), value pointers (NULL for SQL NULL), lengths and formats (0 text,
/// 1 binary). All values share one arena, so there is one allocation however many parameters.
///
/// - warning: Do not escape the pointers: they are valid only while `body` runs.
private func withParameters<R>(
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

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
///
/// - warning: Do not escape the pointer: the strings are freed when `body` returns.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let storage: [UnsafeMutablePointer<CChar>?] = unsafe strings.map { unsafe strdup($0) }
    defer { unsafe storage.forEach { unsafe free($0) } }
    var pointers: [UnsafePointer<CChar>?] = unsafe storage.map { unsafe $0.map { unsafe UnsafePointer($0) } }
    unsafe pointers.append(nil)
    return unsafe pointers.withUnsafeBufferPointer {
        guard let start = $0.baseAddress else { preconditionFailure("the array holds at least its NULL") }
        return unsafe body(start)
    }
}
