public import BackstopPostgres

/// The session-scoped advisory lock that keeps two Backstop runs off one catalog.
public enum RunLock {
    /// The advisory-lock key ("bstprun").
    public static let key: Int64 = 0x6273_7470_7275_6e00  // "bstprun"

    /// Takes the lock for this session without waiting; `false` when another session holds it.
    public static func tryAcquire(on connection: PGConnection) throws -> Bool {
        try connection.execute("SELECT pg_try_advisory_lock(\(key))").bool(row: 0, column: 0) == true
    }

    /// Releases the lock (errors ignored: the session ending releases it too).
    public static func release(on connection: PGConnection) {
        _ = try? connection.execute("SELECT pg_advisory_unlock(\(key))")
    }
}
