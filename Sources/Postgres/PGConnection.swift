public import Logging

// @safe: it owns its PGconn (PQfinish in deinit or close()) and checks it is open before each use.
/// One libpq connection. Not `Sendable`: a `PGconn` must not be used from two threads at once, so parallel
/// work opens one connection per task.
///
/// The connection is closed (`PQfinish`) when the object is released, or earlier with ``close()``.
/// Every session starts with `client_encoding = UTF8`, `client_min_messages = warning` and
/// `DateStyle = ISO`, whatever the server's defaults, so text and typed decoding read the same on any
/// server.
///
/// ```swift
/// let connection = try PGConnection(conninfo: "host=/tmp dbname=cvety", logger: logger)
/// let count = try connection.execute("SELECT count(*) FROM product WHERE shop_id = \(shopID)")
///     .int(row: 0, column: 0)
/// ```
@safe public final class PGConnection {
    @usableFromInline var handle: OpaquePointer?
    /// The logger this connection reports to (statement timing at `trace`).
    public let logger: Logger

    /// Opens a connection.
    ///
    /// - Parameters:
    ///   - conninfo: a libpq connection string or URI (`host=/tmp port=5432 dbname=cvety`,
    ///     `postgresql://user@host/db`). An empty string lets libpq take everything from the `PG*`
    ///     environment variables and its defaults.
    ///   - applicationName: shown in `pg_stat_activity`; `backstop-apply` marks the apply's writes, so an
    ///     operator can tell them from the webhooks'.
    ///   - logger: where statement timing goes.
    /// - Throws: ``PGError`` of kind `connection` with libpq's message.
    ///
    /// The corresponding C function is `PQconnectdbParams`.
    public init(conninfo: String, applicationName: String = "backstop", logger: Logger) throws(PGError) {
        self.logger = logger
        let keys = ["dbname", "application_name", "client_encoding"]
        let values = [conninfo, applicationName, "UTF8"]
        // expand_dbname: the dbname value may itself be a conninfo string or URI.
        guard let conn = unsafe LibPQ.connectdbParams(keywords: keys, values: values, expandDBName: true) else {
            throw PGError(.connection, message: "libpq could not allocate a connection")
        }
        guard unsafe LibPQ.isConnected(conn) else {
            let message = unsafe PGConnection.errorMessage(conn)
            unsafe LibPQ.finish(conn)
            throw PGError(.connection, message: message)
        }
        unsafe self.handle = conn
        // Notices (e.g. "schema already exists, skipping") go nowhere; warnings and errors still arrive.
        // Dates and times print in ISO style, which typed decoding (`Date`) reads, whatever the server's
        // default; one round trip for both.
        try executeScript("SET client_min_messages = warning; SET DateStyle = ISO")
    }

    deinit {
        if let handle = unsafe handle { unsafe LibPQ.finish(handle) }
    }

    /// Closes the connection now, ending its session (an open transaction is rolled back by the server and
    /// session advisory locks are released). Later calls throw ``PGError`` `connection`; a second `close()`
    /// does nothing.
    public func close() {
        if let handle = unsafe handle { unsafe LibPQ.finish(handle) }
        unsafe handle = nil
    }

    /// The server version as a number (`150018` for 15.18, `90624` for 9.6.24); 0 when the connection is
    /// closed.
    public var serverVersionNumber: Int { unsafe handle.map { unsafe LibPQ.serverVersion($0) } ?? 0 }

    /// The server version as text (`15.18`; three parts before version 10: `9.6.24`).
    public var serverVersion: String {
        let n = serverVersionNumber
        return n >= 100_000 ? "\(n / 10_000).\(n % 10_000)" : "\(n / 10_000).\(n / 100 % 100).\(n % 100)"
    }

    /// The linked libpq's version (`15.18`). The corresponding C function is `PQlibVersion`.
    public static var libraryVersion: String {
        let n = LibPQ.libVersion()
        return n >= 100_000 ? "\(n / 10_000).\(n % 10_000)" : "\(n / 10_000).\(n / 100 % 100).\(n % 100)"
    }

    /// Host, port and database of this connection, for logs and reports (no password): `/tmp:5432/cvety`
    /// for a socket directory, `(closed)` after ``close()``. Merge plans record it so a person can see
    /// which catalog a plan was made against.
    public var endpoint: String {
        guard let handle = unsafe handle else { return "(closed)" }
        let host = unsafe LibPQ.host(handle) ?? "?"
        let port = unsafe LibPQ.port(handle) ?? "?"
        let db = unsafe LibPQ.db(handle) ?? "?"
        return "\(host):\(port)/\(db)"
    }

    @usableFromInline func liveHandle() throws(PGError) -> OpaquePointer {
        guard let handle = unsafe handle else { throw PGError(.connection, message: "the connection is closed") }
        return unsafe handle
    }

    static func errorMessage(_ conn: OpaquePointer) -> String {
        unsafe LibPQ.errorMessage(conn) ?? "unknown libpq error"
    }
}

@available(*, unavailable, message: "A libpq connection is single-threaded; open one per task.")
extension PGConnection: Sendable {}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last.isNewline || last == " " { s.removeLast() }
        return String(s)
    }
}
