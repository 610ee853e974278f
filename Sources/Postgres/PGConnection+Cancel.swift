extension PGConnection {
    /// A cancel request for what this connection runs at the moment it is sent (a COPY in flight, a long
    /// statement), to be sent from another thread (a signal handler's queue) while this one is blocked in
    /// libpq. Sending it is harmless when nothing runs; the cancelled statement fails with SQLSTATE 57014 on
    /// this connection, which stays usable.
    ///
    /// - Returns: The action that sends the request; `nil` when the connection is closed.
    ///
    /// The corresponding C functions are `PQgetCancel`, `PQcancel` and `PQfreeCancel`.
    public func canceller() -> (@Sendable () -> Void)? {
        guard let handle = unsafe handle, let cancel = unsafe LibPQ.getCancel(handle) else { return nil }
        let request = unsafe CancelRequest(cancel)
        return { request.send() }
    }

    /// Whether the server connection is gone (the backend was terminated, the network broke): nothing more
    /// can be done on it, and a fresh connection is needed to record anything.
    ///
    /// The corresponding C function is `PQstatus`.
    public var isBroken: Bool {
        guard let handle = unsafe handle else { return true }
        return unsafe !LibPQ.isConnected(handle)
    }

    /// Rolls back a transaction left open or failed by a cancelled or failed statement, so the connection can
    /// record the run's end (errors ignored: a broken connection has nothing to roll back).
    public func rollbackIfInTransaction() {
        if isInTransaction { _ = try? execute("ROLLBACK") }
    }
}

// @safe: the PGcancel object is independent of the connection (libpq documents PQcancel as safe to call
// from another thread or a signal handler) and is freed once, when the last reference goes.
/// libpq's cancel object for one connection, shared by the closure that sends it.
@safe final class CancelRequest: @unchecked Sendable {
    /// The `PGcancel` object.
    private let cancel: LibPQ.Cancel

    /// Wraps a `PGcancel` from `PQgetCancel`.
    init(_ cancel: LibPQ.Cancel) { unsafe self.cancel = cancel }

    deinit { unsafe LibPQ.freeCancel(cancel) }

    /// Sends the cancel request (the error text libpq returns is not needed: the statement's own error says
    /// it was cancelled).
    func send() {
        unsafe LibPQ.cancel(cancel)
    }
}
