import BackstopExtract
import BackstopIndex
import BackstopPostgres
import BackstopTestSupport
import Testing

/// The production writer against upstream's `product_embeddings` as `create_all` builds it: writes land,
/// and a row a webhook rewrote or removed after the read is left alone and counted as skipped.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct ProductEmbeddingWriterTests {
    func seed(_ c: PGConnection) throws {
        try CatalogSchema.create(from: RepoPaths.catalogSchema, on: c)
        try c.execute("INSERT INTO \"user\" (id, name, phone) VALUES (1, 'owner', '+77010000001')")
        try c.execute("INSERT INTO shop (id, owner_id, name) VALUES (17008, 1, 'Cvetykz')")
        try c.execute(
            "INSERT INTO product (id, shop_id, name, price) SELECT g, 17008, 'p' || g, 100 FROM generate_series(1, 4) g"
        )
        for product: Int64 in [1, 2, 3, 3] {
            try c.execute(
                """
                INSERT INTO product_embeddings (product_id, embedding, embedding_type, model_version, source_url) \
                VALUES (\(product), '{1,0}'::real[], 'image', 'old', 'https://x/a.jpg')
                """)
        }
    }

    func vectors(_ c: PGConnection) throws -> [String] {
        try c.execute(
            "SELECT product_id || ':' || embedding::text || ':' || model_version FROM product_embeddings ORDER BY id"
        ).rows.map { $0[0] ?? "" }
    }

    @Test func writesWhatWasPlannedAndSkipsRowsChangedSinceTheRead() throws {
        try TestDatabase.withConnection(prefix: "pew") { c in
            try seed(c)
            let reader = CatalogReader(connection: c, logger: TestDatabase.quietLogger)
            let read = try reader.embeddings().collect()
            #expect(read.count == 4 && read.allSatisfy { $0.rowVersion != nil })
            // A webhook rewrites product 2's row after the read.
            try c.execute("UPDATE product_embeddings SET model_version = 'webhook' WHERE product_id = 2")

            let writer = try ProductEmbeddingWriter(connection: c, reader: reader)
            let steps: [ProductEmbeddingWriter.Step] = [
                .update(
                    rowID: read[0].id, productID: 1, vector: [0, 1], sourceURL: "https://x/a.jpg", modelVersion: "new",
                    readVersion: read[0].rowVersion),
                .update(
                    rowID: read[1].id, productID: 2, vector: [0, 1], sourceURL: "https://x/a.jpg", modelVersion: "new",
                    readVersion: read[1].rowVersion),
                .delete(rowID: read[3].id, productID: 3, readVersion: read[3].rowVersion),
                .insert(productID: 4, vector: [0.6, 0.8], sourceURL: "https://x/d.jpg", modelVersion: "new"),
                .insert(productID: 1, vector: [0.6, 0.8], sourceURL: "https://x/a.jpg", modelVersion: "new"),
            ]
            let applied = try writer.apply(steps)
            #expect(applied == ProductEmbeddingWriter.Applied(updated: 1, inserted: 1, deleted: 1, skipped: 2))
            #expect(try vectors(c) == ["1:{0,1}:new", "2:{1,0}:webhook", "3:{1,0}:old", "4:{0.6,0.8}:new"])

            // The same plan again: every row it names has changed or gone, so nothing is written.
            let again = try writer.apply(Array(steps.prefix(3)))
            #expect(again == ProductEmbeddingWriter.Applied(updated: 0, inserted: 0, deleted: 0, skipped: 3))
        }
    }
}
