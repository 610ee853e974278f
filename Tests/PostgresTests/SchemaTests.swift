import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct SchemaTests {
    @Test func migrationsApplyOnceAndAreRecorded() throws {
        try TestDatabase.withConnection { db in
            let migrator = try Migrator(directory: RepoPaths.backstopMigrations)
            #expect(migrator.latestVersion >= 1)
            #expect(throws: PGError.self) { try migrator.requireCurrent(on: db) }
            let first = try migrator.migrate(on: db, logger: TestDatabase.quietLogger)
            #expect(first.count == migrator.migrations.count)
            let second = try migrator.migrate(on: db, logger: TestDatabase.quietLogger)
            #expect(second.isEmpty)
            try migrator.requireCurrent(on: db)
            let tables = try db.execute(
                "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'backstop'"
            )
            let names = Set((tables.string(row: 0, column: 0) ?? "").split(separator: ",").map(String.init))
            #expect(
                names.isSuperset(of: [
                    "run", "discrepancy", "provenance", "embedding_state", "similar_product", "plan", "plan_step",
                    "checkpoint", "schema_migration", "embedding_model", "image_vector", "image_duplicate",
                    "similarity_state", "image_descriptor", "reindex_progress",
                ]))
            #expect(
                try db.execute("SELECT count(*) FROM backstop.schema_migration").int(row: 0, column: 0)
                    == migrator.migrations.count)
        }
    }

    @Test func aBrokenMigrationIsRolledBackAndStopsTheRest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "CREATE TABLE backstop.a (id int);".write(
            to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE backstop.b (id int); SELECT no_such_function();".write(
            to: folder.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE backstop.c (id int);".write(
            to: folder.appendingPathComponent("0003_c.sql"), atomically: true, encoding: .utf8)
        try TestDatabase.withConnection { db in
            let migrator = try Migrator(directory: folder)
            #expect(throws: PGError.self) { try migrator.migrate(on: db, logger: TestDatabase.quietLogger) }
            #expect(try db.execute("SELECT to_regclass('backstop.a') IS NOT NULL").bool(row: 0, column: 0) == true)
            #expect(try db.execute("SELECT to_regclass('backstop.b') IS NULL").bool(row: 0, column: 0) == true)
            #expect(try db.execute("SELECT to_regclass('backstop.c') IS NULL").bool(row: 0, column: 0) == true)
            #expect(try migrator.pending(on: db).map(\.version) == [2, 3])
        }
    }

    @Test func theCatalogSchemaIsTheUpstreamOne() throws {
        try TestDatabase.withConnection { db in
            #expect(try CatalogSchema.exists(on: db) == false)
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: db)
            #expect(try CatalogSchema.exists(on: db))
            // Mixed-case columns must be quoted; enums store member NAMES.
            try db.execute("INSERT INTO \"user\" (id, name, phone) VALUES (1, 'Owner', '+77010000000')")
            try db.execute("INSERT INTO shop (id, name, owner_id) VALUES (17008, 'Cvetykz', 1)")
            try db.execute(
                """
                INSERT INTO product (id, shop_id, name, price, type, "manufacturingTime") VALUES (698868, 17008, 'Розы', 495000, 'VITRINA', 2)
                """)
            #expect(throws: PGError.self) {
                try db.execute(
                    "INSERT INTO product (id, shop_id, name, price, type) VALUES (2, 17008, 'x', 1, 'vitrina')")
            }
            try db.execute(
                """
                INSERT INTO "order" (shop_id, tracking_id, "orderNumber", "customerName", phone, subtotal, total, status, bitrix_order_id)
                VALUES (17008, '123456789', '#1', 'A', '+77010000000', 100, 100, 'DELIVERED', 122140),
                       (17008, '123456780', '#2', 'B', '+77010000001', 100, 100, 'NEW', 122140)
                """)
            #expect(
                try db.execute("SELECT count(*) FROM \"order\" WHERE bitrix_order_id = 122140").int(row: 0, column: 0)
                    == 2)
            let embedding = try db.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'product_embeddings'::regclass AND attname = 'embedding'"
            )
            #expect(embedding.string(row: 0, column: 0) == "real[]")
        }
    }
}
