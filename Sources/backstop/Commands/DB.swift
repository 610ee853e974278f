import ArgumentParser
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation
import Subprocess
import SystemPackage

extension Backstop {
    /// `backstop db`: Backstop's own schema (`migrate`) and the embedded PostgreSQL for demos and tests
    /// (`up`, `down`, `status`, wrapping `scripts/localpg.sh`).
    struct DB: AsyncParsableCommand {
        /// The command group's help and its subcommands.
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
    /// `backstop db migrate`: applies the pending `sql/backstop/NNNN_*.sql` migrations in order, each in its
    /// own transaction, and records them; the runs refuse to start on an older schema, so this is the
    /// first command after an upgrade.
    struct Migrate: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(
            abstract: "Create or update the backstop.* schema in the catalog database (idempotent).")

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--dry-run`: list what would be applied, change nothing.
        @Flag(help: "Only list pending migrations.")
        var dryRun = false

        /// Prints each pending or applied migration and the schema's version.
        /// - Throws: `PipelineError` when the catalog is unreachable, `StoreError` when the migrations cannot
        ///   be found or one fails (its transaction rolled back).
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

    /// `backstop db up`: `scripts/localpg.sh up`.
    struct Up: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(
            abstract: "Create (first time) and start the embedded local PostgreSQL; reuses a running one.")

        /// Runs the script.
        /// - Throws: `ExitCode` with the script's status when it fails.
        func run() async throws { try await runLocalPostgres("up") }
    }

    /// `backstop db down`: `scripts/localpg.sh down` (a fast shutdown of this checkout's cluster only).
    struct Down: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(abstract: "Stop the embedded local PostgreSQL.")

        /// Runs the script.
        /// - Throws: `ExitCode` with the script's status when it fails.
        func run() async throws { try await runLocalPostgres("down") }
    }

    /// `backstop db status`: `scripts/localpg.sh status` (exit 3 when the cluster is not running).
    struct Status: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(
            abstract: "Show the embedded local PostgreSQL's state, port, socket and conninfo.")

        /// Runs the script.
        /// - Throws: `ExitCode` with the script's status when it is not 0.
        func run() async throws { try await runLocalPostgres("status") }
    }
}

/// The folder with sql/ and scripts/, or a clear error.
/// - Returns: The project's paths: `BACKSTOP_HOME`, else the nearest folder above the executable or the
///   working folder that holds `sql/backstop` (or its `share/backstop`).
/// - Throws: `StoreError` with code `installation`, naming `BACKSTOP_HOME`.
func requireProjectPaths() throws -> ProjectPaths {
    try BackstopSchema.requireProjectPaths()
}

/// Backstop's own schema (the shipped sql/backstop migrations), or a clear error.
/// - Returns: The schema with its migrations.
/// - Throws: `StoreError` when the migrations folder cannot be found or read.
func locateSchema() throws -> BackstopSchema {
    try BackstopSchema.locate()
}

/// Runs scripts/localpg.sh with one verb, passing its output through and its exit status on (128 + the
/// signal when one ended it).
///
/// The script gets this process's stdin, stdout and stderr and no other descriptor: swift-subprocess closes
/// every descriptor above 2 in the child (`posix_spawn_file_actions_addclosefrom_np(3)`). Foundation's
/// `Process` would let it inherit those the parent opened without close-on-exec; the PostgreSQL server it
/// starts would keep them open forever, and whoever waits for end-of-file on them (`backstop db up | cat`,
/// `make demo | tee log`) would wait forever (`OperationsTests` checks a terminal, a pipe and a file).
/// - Parameter verb: `up`, `down` or `status`.
/// - Throws: `StoreError` when the script cannot be found, ``CLIError`` when it cannot be started, `ExitCode`
///   with its status when it is not 0.
func runLocalPostgres(_ verb: String) async throws {
    let script = try requireProjectPaths().localPostgresScript
    let status: Int32
    do {
        let result = try await Subprocess.run(
            .path(FilePath("/bin/bash")), arguments: [script.path, verb], input: .currentStandardInput,
            output: .currentStandardOutput, error: .currentStandardError)
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
    } catch {
        throw CLIError("cannot run \(script.path): \(error)")
    }
    if status != 0 { throw ExitCode(status) }
}
