public import BackstopModel
public import BackstopPostgres
import Foundation

extension RunLock {
    /// Who holds the run lock: the backend session, and the run it announced (`backstop <kind> run <id>` as
    /// its `application_name`) when there is one.
    public struct Holder: Sendable, Hashable, CustomStringConvertible {
        /// The holding backend's process id.
        public var backendPID: Int
        /// Its `application_name`.
        public var applicationName: String
        /// Its client address (`local` for a Unix socket).
        public var client: String
        /// When its session started (RFC 3339).
        public var since: String
        /// The run it announced, when the holder is a Backstop run.
        public var run: RunRecord?

        /// Describes a lock-holding session as read from `pg_stat_activity`, with its run when it announced one.
        public init(backendPID: Int, applicationName: String, client: String, since: String, run: RunRecord?) {
            self.backendPID = backendPID
            self.applicationName = applicationName
            self.client = client
            self.since = since
            self.run = run
        }

        /// `run 12 (nightly, started 2026-11-22T02:30:00Z on host vm)`, or the session when it announced no run.
        public var description: String {
            if let run {
                return "run \(run.id) (\(run.kind), started \(RunLock.rfc3339(run.startedAt)) on host \(run.host), "
                    + "backend pid \(backendPID))"
            }
            return "a session that announced no run (application \"\(applicationName)\", client \(client), "
                + "backend pid \(backendPID), connected \(since))"
        }
    }

    /// The `application_name` a run announces while it holds the lock: `backstop nightly run 12`.
    /// ``holder(on:)`` parses exactly this shape back into a run id, so keep the two in step.
    /// - Parameters:
    ///   - kind: The run's kind (`nightly`, `diff`, `apply`, …).
    ///   - runID: The run's ledger id.
    /// - Returns: The name to set on the session.
    public static func applicationName(kind: String, runID: Int64) -> String { "backstop \(kind) run \(runID)" }

    /// Announces `run` on this session (`application_name`), so a second run can name the holder.
    ///
    /// The setting lasts for the session (`set_config(…, false)`), like the lock itself.
    /// - Parameters:
    ///   - kind: The run's kind.
    ///   - runID: The run's ledger id.
    ///   - connection: The session that holds the lock.
    /// - Throws: `PGError` when the statement fails (callers treat the announcement as best effort).
    public static func announce(kind: String, runID: Int64, on connection: PGConnection) throws {
        try connection.execute(
            "SELECT set_config('application_name', \(applicationName(kind: kind, runID: runID)), false)")
    }

    /// The session holding the run lock in this database (advisory locks are per database; `pg_locks` shows
    /// every database's), from `pg_locks` and `pg_stat_activity`, with its run when it announced one; `nil`
    /// when nobody holds it (any more).
    ///
    /// The answer is a snapshot: the holder may finish between the failed ``tryAcquire(on:)`` and this
    /// query, which is why `nil` is an ordinary outcome.
    /// - Parameter connection: Any session on the catalog database; its own locks are not reported.
    /// - Returns: The holder, with its `RunRecord` when it announced a run.
    /// - Throws: `PGError` when a query fails.
    public static func holder(on connection: PGConnection) throws -> Holder? {
        // A bigint advisory key shows as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
        let high = Int64(UInt64(bitPattern: key) >> 32)
        let low = Int64(UInt64(bitPattern: key) & 0xFFFF_FFFF)
        let result = try connection.execute(
            """
            SELECT l.pid FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = \(high)
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.objid::bigint = \(low) AND l.objsubid = 1 AND l.pid <> pg_backend_pid()
             LIMIT 1
            """)
        guard result.rowCount == 1, let pid = try? result.int(row: 0, column: 0) else { return nil }
        return try holder(pid: pid, on: connection)
    }

    /// RFC 3339 UTC text of a date.
    static func rfc3339(_ date: Date) -> String { RFC3339.string(date) }
}
