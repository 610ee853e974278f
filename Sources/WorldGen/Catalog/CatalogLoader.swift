public import BackstopPostgres
public import Foundation
public import Logging

/// Loads a world's catalog (`catalog/*.copy`) into an empty PostgreSQL database: creates the upstream schema
/// with ``CatalogSchema``, COPYs every table, assigns users to shops (the user ⇄ shop foreign keys are
/// circular), and sets every serial sequence to its table's maximum id, except the planted ones in
/// `catalog/sequences.tsv` (product_id_seq, inside the Bitrix id range).
public enum CatalogLoader {
    /// Loads the catalog of `world` through `connection`.
    ///
    /// - Parameters:
    ///   - world: the world folder.
    ///   - schema: the `sql/catalog` folder.
    ///   - connection: an empty database.
    ///   - logger: receives a line when the catalog is loaded.
    /// - Throws: ``PGError`` or ``WorldGenError``; everything runs in one transaction.
    /// - Returns: rows loaded per table.
    @discardableResult
    public static func load(world: URL, schema: URL, on connection: PGConnection, logger: Logger) throws -> [String:
        Int]
    {
        try CatalogSchema.create(from: schema, on: connection)
        let dir = world.appendingPathComponent("catalog")
        return try connection.transaction { connection in
            var counts: [String: Int] = [:]
            try connection.execute("CREATE TEMPORARY TABLE user_shop (id integer, shop_id integer) ON COMMIT DROP")
            for table in CatalogTable.allCases {
                let url = dir.appendingPathComponent(table.fileName)
                guard let handle = FileHandle(forReadingAtPath: url.path) else {
                    throw WorldGenError(.io, "missing \(url.path)")
                }
                defer { try? handle.close() }
                let sql = "COPY \(table.quotedName) (\(table.columns)) FROM STDIN"
                counts[table.rawValue] = try connection.copyIn(PGQuery(unsafeSQL: sql)) { buffer in
                    let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
                    buffer.append(contentsOf: chunk)
                    return !chunk.isEmpty
                }
                if table == .shop {
                    try connection.execute(
                        #"UPDATE "user" u SET shop_id = s.shop_id FROM user_shop s WHERE s.id = u.id"#)
                }
            }
            let planted = try String(contentsOf: dir.appendingPathComponent("sequences.tsv"), encoding: .utf8)
            var plantedValues: [String: Int] = [:]
            for line in planted.split(separator: "\n") {
                let parts = line.split(separator: "\t")
                if parts.count == 2, let value = Int(parts[1]) { plantedValues[String(parts[0])] = value }
            }
            for table in [
                "user", "shop", "product", "productimage", "client", "order", "orderitem", "orderhistory",
                "product_embeddings",
            ] {
                let sequence = "\(table)_id_seq"
                if let value = plantedValues[sequence] {
                    try connection.execute("SELECT setval(\(sequence)::text::regclass, \(value))")
                } else {
                    try connection.execute(
                        PGQuery(
                            unsafeSQL: """
                                SELECT setval(pg_get_serial_sequence('\(PGIdentifier(table).quoted)', 'id'),
                                              GREATEST((SELECT max(id) FROM \(PGIdentifier(table).quoted)), 1))
                                """))
                }
            }
            logger.info("catalog loaded", metadata: ["catalog.tables": "\(counts.count)"])
            return counts
        }
    }
}
