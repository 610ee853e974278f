public import Foundation
public import Logging

/// Applies Backstop's numbered SQL migrations (`sql/backstop/NNNN_name.sql`) in order, each in its own
/// transaction, recording them in `backstop.schema_migration`. Idempotent: applied versions are skipped.
///
/// A migration that was edited after it was applied is reported, never re-run.
public struct Migrator: Sendable {
    /// One migration file.
    public struct Migration: Sendable, Hashable {
        /// The number before the first `_` (`1` for `0001_init.sql`).
        public var version: Int
        /// The file name without extension.
        public var name: String
        /// The SQL text.
        public var sql: String
        /// A 64-bit FNV-1a digest of the SQL text, in hex, to detect edits after applying.
        public var checksum: String { fnv1a64Hex(Array(sql.utf8)) }
    }

    /// The migrations found, in version order.
    public let migrations: [Migration]

    /// Loads the migrations in `directory`.
    ///
    /// Only `.sql` files are read; they run in version order, whatever the directory listing's order.
    /// - Parameter directory: The migrations folder (`sql/backstop`).
    /// - Throws: ``PGError`` of kind `state` when the folder is missing, a name has no version number,
    ///   or two files share a version.
    public init(directory: URL) throws(PGError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PGError(.state, message: "cannot read the migrations folder \(directory.path): \(error)")
        }
        var found: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let stem = String(name.dropLast(4))
            guard let version = Int(stem.prefix(while: { $0.isNumber })), version > 0 else {
                throw PGError(.state, message: "migration \(name) does not start with a version number")
            }
            let text: String
            do {
                text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            } catch {
                throw PGError(.state, message: "cannot read migration \(name): \(error)")
            }
            if let clash = found.first(where: { $0.version == version }) {
                throw PGError(.state, message: "migrations \(clash.name) and \(stem) share version \(version)")
            }
            found.append(Migration(version: version, name: stem, sql: text))
        }
        self.migrations = found.sorted { $0.version < $1.version }
    }

    /// The newest version in the folder (0 when empty).
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The versions already applied on `connection`, with their recorded checksums.
    /// - Parameter connection: A session on the catalog database.
    /// - Returns: Version → checksum; empty when `backstop.schema_migration` does not exist yet.
    /// - Throws: ``PGError`` when the query fails.
    public func applied(on connection: PGConnection) throws(PGError) -> [Int: String] {
        let exists = try connection.execute("SELECT to_regclass('backstop.schema_migration') IS NOT NULL")
        guard exists.string(row: 0, column: 0) == "t" else { return [:] }
        let result = try connection.execute("SELECT version, checksum FROM backstop.schema_migration")
        var versions: [Int: String] = [:]
        for row in 0..<result.rowCount {
            versions[try result.int(row: row, column: 0)] = result.string(row: row, column: 1) ?? ""
        }
        return versions
    }

    /// The migrations not yet applied on `connection`.
    /// - Parameter connection: A session on the catalog database.
    /// - Returns: The pending migrations in version order.
    /// - Throws: ``PGError`` when the applied versions cannot be read.
    public func pending(on connection: PGConnection) throws(PGError) -> [Migration] {
        let done = try applied(on: connection)
        return migrations.filter { done[$0.version] == nil }
    }

    /// Applies every pending migration, under an advisory lock so two migrators never race.
    ///
    /// - Parameters:
    ///   - connection: A session allowed to create the `backstop` schema's objects.
    ///   - logger: Receives one `info` line per migration applied and a warning per edited one.
    /// - Returns: the migrations applied by this call (empty when already up to date).
    /// - Throws: ``PGError``; a failing migration is rolled back and later ones are not attempted.
    @discardableResult
    public func migrate(on connection: PGConnection, logger: Logger) throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(\(Migrator.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Migrator.lockKey))") }
        try connection.executeScript(
            """
            CREATE SCHEMA IF NOT EXISTS backstop;
            CREATE TABLE IF NOT EXISTS backstop.schema_migration (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        let done = try applied(on: connection)
        for migration in migrations {
            if let recorded = done[migration.version], recorded != migration.checksum {
                logger.warning(
                    "migration changed after it was applied; not re-running it",
                    metadata: ["migration": "\(migration.name)"])
            }
        }
        var appliedNow: [Migration] = []
        for migration in migrations where done[migration.version] == nil {
            try connection.transaction { connection in
                try connection.executeScript(migration.sql)
                try connection.execute(
                    """
                    INSERT INTO backstop.schema_migration (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """)
            }
            logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            appliedNow.append(migration)
        }
        return appliedNow
    }

    /// Throws unless every migration in the folder is applied: the pipeline refuses to run against a
    /// schema it does not know.
    public func requireCurrent(on connection: PGConnection) throws(PGError) {
        let missing = try pending(on: connection)
        guard missing.isEmpty else {
            throw PGError(
                .state,
                message: "the backstop schema is not up to date on \(connection.endpoint): "
                    + "\(missing.count) migration(s) pending (\(missing.map(\.name).joined(separator: ", "))); "
                    + "run `backstop db migrate`")
        }
    }

    /// The advisory-lock key for migrations (`hashtext('backstop:migrate')` is not stable across
    /// versions, so a constant).
    static let lockKey: Int64 = 0x6261_636b_7374_6f70  // "backstop"
}

/// 64-bit FNV-1a of `bytes`, as 16 lowercase hex digits.
func fnv1a64Hex(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
