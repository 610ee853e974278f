import ArgumentParser
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation

extension Backstop {
    struct DB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Manage the backstop schema and the embedded local PostgreSQL.",
            discussion: """
                migrate applies Backstop's numbered migrations (sql/backstop/) to the catalog database; it \
                is idempotent and never alters the upstream tables.

                up, down and status manage a private PostgreSQL cluster in .backstop/pg of this checkout \
                (its own port and socket, loopback only) for demos, tests and benchmarks. It never touches \
                another cluster. After `backstop db up`, `eval "$(scripts/localpg.sh env)"` points libpq at it.
                """,
            subcommands: [Migrate.self, Up.self, Down.self, Status.self])
    }
}

extension Backstop.DB {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the backstop.* schema in the catalog database (idempotent).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Only list pending migrations.")
        var dryRun = false

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try global.loadConfiguration()
            let schema = try locateSchema()
            let connection = try global.connect(configuration, logger: logger)
            if dryRun {
                let pending = try schema.pending(on: connection)
                print(
                    pending.isEmpty
                        ? "up to date (version \(schema.latestVersion))"
                        : pending.map { "pending: \($0.name)" }.joined(separator: "\n"))
                return
            }
            let applied = try schema.migrate(on: connection, logger: logger)
            for migration in applied { print("applied \(migration.name)") }
            print("backstop schema at version \(schema.latestVersion) on \(connection.endpoint)")
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (first time) and start the embedded local PostgreSQL; reuses a running one.")

        func run() async throws { try runLocalPostgres("up") }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded local PostgreSQL.")

        func run() async throws { try runLocalPostgres("down") }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the embedded local PostgreSQL's state, port, socket and conninfo.")

        func run() async throws { try runLocalPostgres("status") }
    }
}

/// The folder with sql/ and scripts/, or a clear error.
func requireProjectPaths() throws -> ProjectPaths {
    try BackstopSchema.requireProjectPaths()
}

/// Backstop's own schema (the shipped sql/backstop migrations), or a clear error.
func locateSchema() throws -> BackstopSchema {
    try BackstopSchema.locate()
}

/// Runs scripts/localpg.sh with one verb, passing its output through and its exit status on. The script
/// gets stdin, stdout and stderr only (``ChildProcess``), so the server it starts holds no pipe of ours.
func runLocalPostgres(_ verb: String) throws {
    let script = try requireProjectPaths().localPostgresScript
    let status = try ChildProcess.run("/bin/bash", [script.path, verb])
    if status != 0 { throw ExitCode(status) }
}
