import BackstopModel
import BackstopPostgres

extension RunLedger {
    /// The first key of every run's own advisory lock ("bsrn"); the second is the run id. The two-key form
    /// lives apart from the one-key catalog locks (``RunLock``), so the two never collide.
    public static let runLockClass: Int32 = 0x6273_726E

    /// The second key of a run's own lock, as SQL over the `id` column in scope.
    static let runLockKey = PGQuery(unsafeSQL: "(id & 2147483647)::int4")

    /// Marks `abandoned` every `running` run whose own advisory lock nobody holds: its process ended without
    /// recording an end (SIGKILL, a crash, power loss), since a live run's session holds its lock from the
    /// statement that inserted its row to its last breath. The row gets the time it was noticed and which
    /// run noticed it.
    ///
    /// - Parameter runID: The run doing the check (named in the abandoned rows' error).
    /// - Returns: The ids marked, ascending.
    /// - Throws: `PGError` when the ledger cannot be read or written.
    @discardableResult
    public func markAbandoned(by runID: Int64) throws -> [Int64] {
        let result = try connection.execute(
            """
            UPDATE backstop.run r
               SET status = \(RunStatus.abandoned.rawValue), finished_at = now(),
                   error = format('abandoned: process %s on host %s ended without recording an end '
                                  '(SIGKILL, crash or power loss); noticed by run %s', r.pid, r.host, \(runID)::bigint)
             WHERE r.status = \(RunStatus.running.rawValue) AND r.id <> \(runID)
               AND NOT EXISTS (
                   SELECT 1 FROM pg_locks l
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                      AND l.classid::bigint = \(Int(Self.runLockClass))
                      AND l.objid::bigint = (r.id & 2147483647))
            RETURNING r.id
            """)
        return try (0..<result.rowCount).map { Int64(try result.int(row: $0, column: 0)) }.sorted()
    }
}
