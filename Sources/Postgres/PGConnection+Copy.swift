extension PGConnection {
    /// Starts `COPY … TO STDOUT` and returns a pull cursor over its data messages.
    ///
    /// The corresponding C functions are `PQexec` and `PQgetCopyData`.
    ///
    /// - Parameter query: a `COPY (…) TO STDOUT [WITH (FORMAT binary)]` statement.
    /// - Returns: a cursor over the data messages.
    /// - Throws: ``PGError`` if the connection is closed or the server does not start the COPY.
    public func copyOut(_ query: PGQuery) throws(PGError) -> PGCopyOutCursor {
        let conn = try unsafe liveHandle()
        let (sql, binds) = query.rendered()
        let raw = unsafe LibPQ.execParams(conn, sql, binds: binds)
        _ = try unsafe checked(raw, sql: sql, expecting: [.copyOut])
        return PGCopyOutCursor(connection: self, sql: sql)
    }

    /// Runs `COPY … FROM STDIN` in text format over `items`: `append` writes each item's rows (usually one,
    /// with ``CopyText/appendRow(_:to:)``), and the rows go to the server in buffers of about 1 MiB.
    ///
    /// The apply stages each batch this way before one set-based `UPDATE … FROM` (shortened):
    ///
    /// ```swift
    /// try connection.copyIn("COPY pg_temp.backstop_stage_product (seq, target) FROM STDIN", rows: steps) {
    ///     step, buffer in CopyText.appendRow([String(step.seq), step.target.map(String.init)], to: &buffer)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - query: a `COPY t (cols) FROM STDIN` statement.
    ///   - items: what to load, in order.
    ///   - append: appends one item's rows to the buffer. Throwing aborts the COPY.
    /// - Returns: the number of rows the server loaded.
    /// - Throws: as ``copyIn(_:produce:)``.
    @inlinable @discardableResult
    public func copyIn<Items: Collection>(
        _ query: PGQuery, rows items: Items, append: (Items.Element, inout [UInt8]) throws -> Void
    ) throws -> Int {
        guard !items.isEmpty else { return 0 }
        var index = items.startIndex
        return try copyIn(query) { buffer in
            while index != items.endIndex, buffer.count < 1 << 20 {
                try append(items[index], &buffer)
                index = items.index(after: index)
            }
            return index != items.endIndex
        }
    }

    /// Runs `COPY … FROM STDIN`, calling `produce` to fill buffers until it returns `false`.
    ///
    /// The corresponding C functions are `PQputCopyData` and `PQputCopyEnd`.
    ///
    /// - Parameters:
    ///   - query: a `COPY t (cols) FROM STDIN [WITH (FORMAT …)]` statement.
    ///   - produce: appends the next chunk of COPY data to the buffer (which arrives empty) and returns
    ///     whether more follows. Throwing aborts the COPY, so nothing is half-loaded inside a transaction.
    /// - Returns: the number of rows the server loaded.
    /// - Throws: ``PGError`` if the COPY cannot start, send or finish; whatever `produce` throws, after
    ///   aborting the COPY.
    @discardableResult
    public func copyIn(_ query: PGQuery, produce: (inout [UInt8]) throws -> Bool) throws -> Int {
        let conn = try unsafe liveHandle()
        let (sql, binds) = query.rendered()
        let raw = unsafe LibPQ.execParams(conn, sql, binds: binds)
        _ = try unsafe checked(raw, sql: sql, expecting: [.copyIn])
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 20)
        do {
            var more = true
            while more {
                buffer.removeAll(keepingCapacity: true)
                more = try produce(&buffer)
                if buffer.isEmpty { continue }
                let sent = unsafe buffer.withUnsafeBytes { unsafe LibPQ.putCopyData(conn, $0) }
                guard sent == 1 else { throw unsafe PGError(.copy, message: PGConnection.errorMessage(conn), sql: sql) }
            }
        } catch {
            _ = unsafe LibPQ.putCopyEnd(conn, errorMessage: "aborted by backstop")
            unsafe LibPQ.discardResults(conn)
            throw error
        }
        guard unsafe LibPQ.putCopyEnd(conn, errorMessage: nil) == 1 else {
            throw unsafe PGError(.copy, message: PGConnection.errorMessage(conn), sql: sql)
        }
        var loaded = 0
        var failure: PGError?
        while let r = unsafe LibPQ.getResult(conn) {
            if unsafe LibPQ.resultStatus(r) == .commandOK {
                loaded = unsafe Int(LibPQ.cmdTuples(r)) ?? 0
            } else if failure == nil {
                failure = unsafe PGConnection.resultError(r, sql: sql)
            }
            unsafe LibPQ.clear(r)
        }
        if let failure { throw failure }
        return loaded
    }
}

// @safe: it owns the message libpq last handed out (freed on the next call or in deinit).
/// A pull cursor over the data messages of `COPY … TO STDOUT`. In both text and binary format each
/// message is one row (binary: plus one header-prefixed first row and a trailer).
@safe public final class PGCopyOutCursor {
    let connection: PGConnection
    let sql: String
    var finished = false
    /// The message ``nextMessage()`` returned last, freed on the next call or in `deinit`.
    private var held: UnsafeMutablePointer<CChar>?

    init(connection: PGConnection, sql: String) {
        self.connection = connection
        self.sql = sql
    }

    deinit {
        releaseHeld()
        guard !finished, let conn = unsafe connection.handle else { return }
        // Cancel what is still streaming so the connection is usable again.
        if let cancel = unsafe LibPQ.getCancel(conn) {
            unsafe LibPQ.cancel(cancel)
            unsafe LibPQ.freeCancel(cancel)
        }
        var buffer: UnsafeMutablePointer<CChar>? = nil
        while unsafe LibPQ.getCopyData(conn, &buffer) >= 0 {
            if let b = unsafe buffer { unsafe LibPQ.freemem(b) }
            unsafe buffer = nil
        }
        unsafe LibPQ.discardResults(conn)
    }

    /// Calls `body` with the next COPY data message and returns `true`, or returns `false` at the end.
    ///
    /// - warning: Do not escape the buffer; it is freed when `body` returns.
    /// - Parameter body: Reads one message (for a binary COPY, one tuple, the first one behind the header).
    /// - Returns: `false` after the last message.
    /// - Throws: ``PGError`` `copy` when the stream breaks, the server's error when the COPY fails, or what
    ///   `body` throws.
    ///
    /// The corresponding C function is `PQgetCopyData`.
    public func next(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard let message = try unsafe nextMessage() else { return false }
        defer { releaseHeld() }
        try unsafe body(message)
        return true
    }

    /// The next COPY data message, or `nil` at the end: the pull form of ``next(_:)``, without a closure
    /// per message.
    ///
    /// - warning: Do not escape the buffer; it is freed by the next call and when the cursor is released.
    /// The corresponding C function is `PQgetCopyData`.
    public func nextMessage() throws -> UnsafeRawBufferPointer? {
        releaseHeld()
        guard !finished else { return nil }
        let conn = try unsafe connection.liveHandle()
        var buffer: UnsafeMutablePointer<CChar>? = nil
        let length = unsafe LibPQ.getCopyData(conn, &buffer)
        if length > 0, let buffer = unsafe buffer {
            unsafe held = buffer
            return unsafe UnsafeRawBufferPointer(start: buffer, count: Int(length))
        }
        finished = true
        if length == -2 {
            throw unsafe PGError(.copy, message: PGConnection.errorMessage(conn), sql: sql)
        }
        var failure: PGError?
        while let r = unsafe LibPQ.getResult(conn) {
            if unsafe LibPQ.resultStatus(r) != .commandOK, failure == nil {
                failure = unsafe PGConnection.resultError(r, sql: sql)
            }
            unsafe LibPQ.clear(r)
        }
        if let failure { throw failure }
        return nil
    }

    private func releaseHeld() {
        if let held = unsafe held { unsafe LibPQ.freemem(held) }
        unsafe held = nil
    }
}
