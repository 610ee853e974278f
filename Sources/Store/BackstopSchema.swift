public import BackstopModel
public import BackstopPostgres
public import Foundation
public import Logging

/// Backstop's own schema (`backstop.*`): the numbered migrations in `sql/backstop`, applied by ``Migrator``.
public struct BackstopSchema: Sendable {
    /// The migrations of the folder.
    public let migrator: Migrator

    /// Reads the migrations in `directory`.
    public init(directory: URL) throws(PGError) {
        migrator = try Migrator(directory: directory)
    }

    /// Reads the migrations of the shipped `sql/backstop` folder found by ``ProjectPaths/locate(environment:)``.
    ///
    /// - Throws: ``StoreError`` when no folder is found; ``PGError`` when the migrations cannot be read.
    public static func locate() throws -> BackstopSchema {
        try BackstopSchema(directory: requireProjectPaths().backstopMigrations)
    }

    /// The folder with `sql/` and `scripts/`, or a ``StoreError`` saying how to point Backstop at it.
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

    /// The migrations not yet applied on `connection`.
    public func pending(on connection: PGConnection) throws(PGError) -> [Migrator.Migration] {
        try migrator.pending(on: connection)
    }

    /// Applies every pending migration and returns those applied by this call.
    @discardableResult
    public func migrate(on connection: PGConnection, logger: Logger) throws -> [Migrator.Migration] {
        try migrator.migrate(on: connection, logger: logger)
    }

    /// Throws unless every migration is applied: the pipeline refuses to run against a schema it does not know.
    public func requireCurrent(on connection: PGConnection) throws(PGError) {
        try migrator.requireCurrent(on: connection)
    }
}
