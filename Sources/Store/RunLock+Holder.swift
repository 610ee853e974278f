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

        /// Creates a holder.
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

    /// The `application_name` a run announces while it holds the lock.
    public static func applicationName(kind: String, runID: Int64) -> String { "backstop \(kind) run \(runID)" }

    /// Announces `run` on this session (`application_name`), so a second run can name the holder.
    public static func announce(kind: String, runID: Int64, on connection: PGConnection) throws {
        try connection.execute(
            "SELECT set_config('application_name', \(applicationName(kind: kind, runID: runID)), false)")
    }

    /// The session holding the run lock in this database (advisory locks are per database; `pg_locks` shows
    /// every database's), from `pg_locks` and `pg_stat_activity`, with its run when it announced one; `nil`
    /// when nobody holds it (any more).
    public static func holder(on connection: PGConnection) throws -> Holder? {
        // A bigint advisory key shows as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
        let high = Int64(UInt64(bitPattern: key) >> 32)
        let low = Int64(UInt64(bitPattern: key) & 0xFFFF_FFFF)
        let result = try connection.execute(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'),
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = \(high)
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.objid::bigint = \(low) AND l.objsubid = 1 AND l.pid <> pg_backend_pid()
             LIMIT 1
            """)
        guard result.rowCount == 1 else { return nil }
        let name = result.string(row: 0, column: 1) ?? ""
        var run: RunRecord?
        let words = name.split(separator: " ")
        if words.count == 4, words[0] == "backstop", words[2] == "run", let id = Int64(words[3]) {
            run = try RunLedger(connection: connection).run(id: id)
        }
        return Holder(
            backendPID: try result.int(row: 0, column: 0), applicationName: name,
            client: result.string(row: 0, column: 2) ?? "", since: result.string(row: 0, column: 3) ?? "", run: run)
    }

    /// RFC 3339 UTC text of a date.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
