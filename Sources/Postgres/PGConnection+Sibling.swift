extension PGConnection {
    /// Whether the connection is inside a transaction block (open, active or failed).
    ///
    /// The corresponding C function is `PQtransactionStatus`.
    public var isInTransaction: Bool {
        guard let handle = unsafe handle else { return false }
        let status = unsafe LibPQ.transactionStatus(handle)
        return status == .inTransaction || status == .inError || status == .active
    }

    /// Opens a second connection with this one's parameters (host, port, user, database, password, TLS
    /// options), for a stream that must run alongside one on this connection.
    ///
    /// The catalog reader uses it to stream `productimage` beside `product` in one exported snapshot. The
    /// parameters come from libpq itself (`PQconninfo`): whatever the first connection was given,
    /// explicitly or through the `PG*` variables.
    /// - Parameter applicationName: What `pg_stat_activity` shows for the sibling (`backstop-images`).
    /// - Returns: An open connection to the same database, with this connection's logger.
    /// - Throws: ``PGError`` of kind `connection` if this connection is closed or the new one fails.
    ///
    /// The corresponding C function is `PQconninfo`.
    public func openSibling(applicationName: String = "backstop") throws(PGError) -> PGConnection {
        let conn = try unsafe liveHandle()
        guard let options = unsafe LibPQ.conninfo(conn) else {
            throw PGError(.connection, message: "libpq could not report the connection parameters")
        }
        var conninfo = ""
        for (keyword, value) in options {
            // Single-quoted values with \ and ' escaped (libpq "Keyword/Value Connection Strings").
            var quoted = "'"
            for character in value {
                if character == "'" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            conninfo += "\(keyword)=\(quoted)' "
        }
        return try PGConnection(conninfo: conninfo, applicationName: applicationName, logger: logger)
    }
}
