public import BackstopExtract
public import BackstopPostgres

/// Writes the production provider's vectors into upstream's `product_embeddings`, taking the table as
/// `create_all` leaves it (upstream.md §1.2): no unique constraint, no foreign key, no usable server
/// defaults, no promised column order. So every statement names its columns, sets every value itself
/// (`embedding_type`, `model_version`, timestamps; the id from the column's sequence if it has one, else
/// max + 1 under the run's lock), never uses `ON CONFLICT`, and casts the vector to the column's detected
/// type (`real[]` or pgvector). Each update and delete re-checks the row it read (same id, same product,
/// same `xmin` as in the extract's snapshot), so a row a webhook rewrote or removed in between is left
/// alone and counted as skipped, and an insert only happens while the product still has no `image` row:
/// the merge work's rule, act only on what was planned against.
public struct ProductEmbeddingWriter {
    /// The catalog connection.
    public let connection: PGConnection
    /// The detected column type.
    public let columnType: EmbeddingColumnType

    /// One planned write.
    public enum Step: Sendable, Hashable {
        /// Replace the vector of row `rowID` (which belonged to `productID`, at version `readVersion`, when read).
        case update(
            rowID: Int64, productID: Int64, vector: [Float], sourceURL: String, modelVersion: String,
            readVersion: Int64? = nil)
        /// Insert the product's first `image` row.
        case insert(productID: Int64, vector: [Float], sourceURL: String, modelVersion: String)
        /// Delete row `rowID` (orphan or duplicate), if it still belongs to `productID` at version `readVersion`.
        case delete(rowID: Int64, productID: Int64, readVersion: Int64? = nil)
    }

    /// What applying a plan did.
    public struct Applied: Sendable, Hashable {
        /// Rows updated.
        public var updated = 0
        /// Rows inserted.
        public var inserted = 0
        /// Rows deleted.
        public var deleted = 0
        /// Steps skipped because the row changed since it was read.
        public var skipped = 0

        /// Counts of one apply (or zeros to add to).
        /// - Parameters:
        ///   - updated: Rows updated.
        ///   - inserted: Rows inserted.
        ///   - deleted: Rows deleted.
        ///   - skipped: Steps skipped because their row changed since it was read.
        public init(updated: Int = 0, inserted: Int = 0, deleted: Int = 0, skipped: Int = 0) {
            self.updated = updated
            self.inserted = inserted
            self.deleted = deleted
            self.skipped = skipped
        }
    }

    /// Detects the column type and creates a writer.
    ///
    /// - Parameters:
    ///   - connection: The catalog connection the writes go through.
    ///   - reader: The catalog reader that inspects `product_embeddings.embedding` (`real[]` or pgvector).
    /// - Throws: `ExtractError` when the table or column is missing or of an unsupported type.
    public init(connection: PGConnection, reader: CatalogReader) throws {
        self.connection = connection
        columnType = try reader.embeddingColumnType()
    }

    /// The SQL type a vector literal is cast to, from the detected column type (checked against a strict
    /// character set, since a type name cannot be a bound parameter).
    func castType() throws -> String {
        let name: String
        switch columnType {
        case .realArray: name = "real[]"
        case .castToRealArray(let formatted): name = formatted
        case .vector(let formatted): name = formatted
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_ ()[],.")
        guard !name.isEmpty, name.allSatisfy({ allowed.contains($0) }) else {
            throw IndexError(.schema, "product_embeddings.embedding has an unexpected type name \(name)")
        }
        return name
    }

    /// The vector's literal for the column type: `{…}` for arrays, `[…]` for pgvector.
    func literal(_ vector: [Float]) -> String {
        guard case .vector = columnType else { return IndexStore.arrayLiteral(vector) }
        return "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
    }

    /// Applies `steps` in one transaction; a step whose row changed since it was read is skipped.
    ///
    /// - Parameter steps: The writes, in order.
    /// - Returns: What was updated, inserted, deleted and skipped.
    /// - Throws: ``IndexError`` for an unexpected column type, `PGError` when a statement fails (nothing is
    ///   applied then).
    public func apply(_ steps: [Step]) throws -> Applied {
        let type = try castType()
        var applied = Applied()
        try connection.transaction { connection in
            for step in steps {
                switch step {
                case .update(let rowID, let productID, let vector, let sourceURL, let modelVersion, let version):
                    var query: PGQuery = "UPDATE product_embeddings SET embedding = CAST(\(literal(vector)) AS "
                    query.append(PGQuery(unsafeSQL: type))
                    query.append(
                        "), model_version = \(modelVersion), source_url = \(sourceURL), updated_at = now() WHERE id = \(rowID) AND product_id = \(productID) AND "
                    )
                    query.append(Self.unchanged(since: version))
                    let result = try connection.execute(query)
                    if result.affectedRows == 1 { applied.updated += 1 } else { applied.skipped += 1 }
                case .insert(let productID, let vector, let sourceURL, let modelVersion):
                    var query: PGQuery = """
                        INSERT INTO product_embeddings \
                        (id, product_id, embedding, embedding_type, model_version, source_url, created_at, updated_at) \
                        SELECT COALESCE(nextval(pg_get_serial_sequence('product_embeddings', 'id')), \
                        (SELECT COALESCE(max(id), 0) + 1 FROM product_embeddings)), \(productID), CAST(\(literal(vector)) AS 
                        """
                    query.append(PGQuery(unsafeSQL: type))
                    query.append(
                        """
                        ), 'image', \(modelVersion), \(sourceURL), now(), now() \
                        WHERE NOT EXISTS (SELECT 1 FROM product_embeddings WHERE product_id = \(productID) AND embedding_type = 'image')
                        """)
                    let result = try connection.execute(query)
                    if result.affectedRows == 1 { applied.inserted += 1 } else { applied.skipped += 1 }
                case .delete(let rowID, let productID, let version):
                    var query: PGQuery =
                        "DELETE FROM product_embeddings WHERE id = \(rowID) AND product_id = \(productID) AND "
                    query.append(Self.unchanged(since: version))
                    let result = try connection.execute(query)
                    if result.affectedRows == 1 { applied.deleted += 1 } else { applied.skipped += 1 }
                }
            }
        }
        return applied
    }

    /// `xmin` still equals the version read (always true when none was read).
    static func unchanged(since version: Int64?) -> PGQuery {
        "(\(version)::bigint IS NULL OR xmin::text::bigint = \(version)::bigint)"
    }
}
