import BackstopPostgres
import BackstopTestSupport

/// Holds Backstop's run lock on a catalog from the test process, as a concurrent run would.
final class PGConnectionHolder {
    let connection: PGConnection

    init(conninfo: String) throws {
        connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
        // The key backstop's RunLock uses ("bstprun").
        try connection.execute("SELECT pg_advisory_lock(\(Int64(0x6273_7470_7275_6e00)))")
    }

    func release() { connection.close() }
}
