public import BackstopPostgres
import Foundation
public import Logging

/// Real PostgreSQL for integration tests. `BACKSTOP_TEST_PG` holds a libpq conninfo of a server where the
/// tests may create databases (`make test` points it at the embedded local cluster). Each test gets a
/// fresh database, dropped afterwards.
///
/// With `BACKSTOP_REQUIRE_PG=1` (set by `make test` and CI) a missing server fails the test instead of
/// skipping it, so a green run always means the database tests ran.
public enum TestDatabase {
    /// The conninfo of the test server, or `nil`.
    public static var conninfo: String? {
        let value = ProcessInfo.processInfo.environment["BACKSTOP_TEST_PG"]
        return value?.isEmpty == false ? value : nil
    }

    /// Whether database tests should run: a server is configured, or one is required (then they fail
    /// loudly when it is missing).
    public static var isEnabled: Bool {
        conninfo != nil || ProcessInfo.processInfo.environment["BACKSTOP_REQUIRE_PG"] == "1"
    }

    /// A logger that drops everything (tests assert on results, not logs).
    public static var quietLogger: Logger {
        Logger(label: "backstop.test") { _ in SwiftLogNoOpLogHandler() }
    }

    /// Creates a fresh database, runs `body` with a connection string to it, and drops it.
    public static func withScratchDatabase<R>(
        prefix: String = "bt", _ body: (_ conninfo: String) throws -> R
    ) throws -> R {
        guard let server = conninfo else {
            throw PGError(.connection, message: "BACKSTOP_TEST_PG is not set; run the tests through `make test`")
        }
        let admin = try PGConnection(conninfo: server, logger: quietLogger)
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        try admin.execute(PGQuery(unsafeSQL: "CREATE DATABASE \(PGIdentifier(name).quoted)"))
        defer {
            _ = try? admin.execute(
                PGQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PGIdentifier(name).quoted) WITH (FORCE)"))
        }
        return try body(server + " dbname=\(name)")
    }

    /// Creates a fresh database, runs the asynchronous `body` with a connection string to it, and drops it.
    public static func withScratchDatabase<R>(
        prefix: String = "bt", _ body: (_ conninfo: String) async throws -> R
    ) async throws -> R {
        guard let server = conninfo else {
            throw PGError(.connection, message: "BACKSTOP_TEST_PG is not set; run the tests through `make test`")
        }
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try PGConnection(conninfo: server, logger: quietLogger)
        try admin.execute(PGQuery(unsafeSQL: "CREATE DATABASE \(PGIdentifier(name).quoted)"))
        do {
            let result = try await body(server + " dbname=\(name)")
            _ = try? admin.execute(
                PGQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PGIdentifier(name).quoted) WITH (FORCE)"))
            return result
        } catch {
            _ = try? admin.execute(
                PGQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PGIdentifier(name).quoted) WITH (FORCE)"))
            throw error
        }
    }

    /// Like ``withScratchDatabase(prefix:_:)`` but hands over an open connection.
    public static func withConnection<R>(prefix: String = "bt", _ body: (PGConnection) throws -> R) throws -> R {
        try withScratchDatabase(prefix: prefix) { conninfo in
            let connection = try PGConnection(conninfo: conninfo, logger: quietLogger)
            defer { connection.close() }
            return try body(connection)
        }
    }

    /// Like ``withScratchDatabase(prefix:_:)`` but hands over an open connection to the asynchronous `body`.
    public static func withConnection<R>(
        prefix: String = "bt", _ body: (PGConnection) async throws -> R
    ) async throws -> R {
        try await withScratchDatabase(prefix: prefix) { conninfo in
            let connection = try PGConnection(conninfo: conninfo, logger: quietLogger)
            defer { connection.close() }
            return try await body(connection)
        }
    }
}
