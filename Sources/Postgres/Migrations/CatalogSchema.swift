public import Foundation

/// The upstream catalog schema (`sql/catalog/*.sql`), for building local catalogs in tests, the demo and
/// the synthetic world. Backstop never runs this against a production catalog.
public enum CatalogSchema {
    /// Creates the upstream tables in the current database.
    ///
    /// - Parameters:
    ///   - directory: the `sql/catalog` folder.
    ///   - connection: an empty database (the statements fail if the tables exist).
    /// - Throws: ``PGError`` if a file cannot be read or a statement fails; nothing is left half-created.
    public static func create(from directory: URL, on connection: PGConnection) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        guard !names.isEmpty else {
            throw PGError(.state, message: "no catalog schema files in \(directory.path)")
        }
        try connection.transaction { connection in
            for name in names {
                let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                try connection.executeScript(sql)
            }
        }
    }

    /// Whether the upstream `product` table exists in the current database (`backstop doctor` reports it:
    /// a connection to the wrong database shows here first).
    /// - Parameter connection: A session on the database to check.
    /// - Returns: `true` when `public.product` exists.
    /// - Throws: ``PGError`` when the query fails.
    public static func exists(on connection: PGConnection) throws(PGError) -> Bool {
        try connection.execute("SELECT to_regclass('public.product') IS NOT NULL").string(row: 0, column: 0) == "t"
    }
}
