public import BackstopModel
public import BackstopPostgres
public import Foundation
public import Logging

/// Backstop's own schema (`backstop.*`): the numbered migrations in `sql/backstop`, applied by `Migrator`.
///
/// It lives in the catalog database beside the upstream tables (runs, findings, plans and their steps), so
/// a plan's writes and its bookkeeping commit in one transaction. Every command that reads or writes the
/// ledger first calls ``requireCurrent(on:)``; only `backstop db migrate` changes the schema.
///
/// ```swift
/// let schema = try BackstopSchema.locate()
/// try schema.requireCurrent(on: connection)   // PGError `state` until `backstop db migrate` ran
/// ```
public struct BackstopSchema: Sendable {
    /// The migrations of the folder.
    public let migrator: Migrator

    /// Reads the migrations in `directory` (tests point it at a copy; commands use ``locate()``).
    /// - Parameter directory: A folder of `NNNN_name.sql` files.
    /// - Throws: `PGError` `state` when the folder is missing or two files share a version.
    public init(directory: URL) throws(PGError) {
        migrator = try Migrator(directory: directory)
    }

    /// Reads the migrations of the shipped `sql/backstop` folder found by `ProjectPaths.locate(environment:)`.
    ///
    /// - Throws: ``StoreError`` when no folder is found; `PGError` when the migrations cannot be read.
    public static func locate() throws -> BackstopSchema {
        try BackstopSchema(directory: requireProjectPaths().backstopMigrations)
    }

    /// The folder with `sql/` and `scripts/`, or a ``StoreError`` saying how to point Backstop at it.
    /// - Returns: The located project paths.
    /// - Throws: ``StoreError`` `installation`, naming `BACKSTOP_HOME`.
    public static func requireProjectPaths() throws(StoreError) -> ProjectPaths {
        guard let paths = ProjectPaths.locate() else {
            throw StoreError(
                .installation, "cannot find Backstop's sql/ folder; set BACKSTOP_HOME to the checkout or install folder"
            )
        }
        return paths
    }

    /// The newest migration version in the folder (0 when empty).
    public var latestVersion: Int { migrator.latestVersion }

    /// The migrations not yet applied on `connection`: what `backstop db migrate` would run.
    /// - Parameter connection: A session on the catalog database.
    /// - Returns: The pending migrations in version order.
    /// - Throws: `PGError` when the applied versions cannot be read.
    public func pending(on connection: PGConnection) throws(PGError) -> [Migrator.Migration] {
        try migrator.pending(on: connection)
    }

    /// Applies every pending migration and returns those applied by this call.
    ///
    /// Each migration commits on its own; an advisory lock held for the whole call makes a concurrent
    /// caller wait and then find nothing left to do. A failure leaves the versions before it applied. A
    /// migration edited after it was applied is logged as a warning, never re-run.
    /// - Parameters:
    ///   - connection: A session with the rights to create the `backstop` schema's objects.
    ///   - logger: Receives one line per applied migration.
    /// - Returns: The migrations applied now (empty when the schema was current).
    /// - Throws: `PGError` from the failing migration, which is rolled back.
    @discardableResult
    public func migrate(on connection: PGConnection, logger: Logger) throws -> [Migrator.Migration] {
        try migrator.migrate(on: connection, logger: logger)
    }

    /// Throws unless every migration is applied: the pipeline refuses to run against a schema it does not know.
    /// - Parameter connection: A session on the catalog database.
    /// - Throws: `PGError` `state` naming the pending migrations and the command that applies them.
    public func requireCurrent(on connection: PGConnection) throws(PGError) {
        try migrator.requireCurrent(on: connection)
    }
}
