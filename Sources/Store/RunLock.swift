public import BackstopPostgres

/// The session-scoped advisory locks that keep two Backstop runs off one shop of a catalog.
///
/// Two levels: ``key`` for the whole catalog and one two-int key per shop (``shopClass``, shop id). A
/// run takes ``key`` shared and its shops exclusively (``tryAcquire(shops:on:)``), so runs on disjoint
/// shops proceed side by side; a whole-catalog operation takes ``key`` exclusively
/// (``tryAcquire(on:)``) and keeps every run out. The locks belong to the database session, not to a
/// transaction: they survive commits and rollbacks, and a killed process (or a terminated backend)
/// releases them with its session, so a crash never leaves a stale lock behind.
///
/// ```swift
/// guard try RunLock.tryAcquire(shops: [17008], on: connection) else {
///     let holder = try RunLock.holder(shops: [17008], on: connection)   // "run 12 (nightly, …)" or nil
///     return .locked   // exit 75, naming the holder
/// }
/// defer { RunLock.release(shops: [17008], on: connection) }
/// ```
public enum RunLock {
    /// The advisory-lock key ("bstprun" in ASCII): fixed, because `hashtext` is not stable across
    /// PostgreSQL versions and a lock must mean the same to every Backstop build on a catalog.
    public static let key: Int64 = 0x6273_7470_7275_6e00  // "bstprun"

    /// Takes the whole-catalog lock exclusively for this session without waiting: no run (of any shop)
    /// can start until it is released.
    /// - Parameter connection: The session that will hold the lock.
    /// - Returns: `false` when another session holds it, shared or exclusive.
    /// - Throws: `PGError` when the statement fails.
    public static func tryAcquire(on connection: PGConnection) throws -> Bool {
        try connection.execute("SELECT pg_try_advisory_lock(\(key))").bool(row: 0, column: 0) == true
    }

    /// Releases the whole-catalog lock (errors ignored: the session ending releases it too).
    /// - Parameter connection: The session that took it.
    public static func release(on connection: PGConnection) {
        _ = try? connection.execute("SELECT pg_advisory_unlock(\(key))")
    }
}
