import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// Runs the built `worldgen` binary.
func worldgen(_ arguments: [String], environment: [String: String] = [:]) async throws -> Executable.Result {
    try await Executable.run("worldgen", arguments, environment: environment)
}

/// The nightly job end to end on the bundled tiny world: real dump, real catalog, real reports.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct NightlyTests {
    let world = RepoPaths.data.appendingPathComponent("tiny")

    func withTinyCatalog(_ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase(prefix: "nightly") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(migrate.status == 0, "\(migrate.err)")
            try await body(conninfo)
        }
    }

    @Test func nightlyFindsExactlyThePlantedDriftAndRecordsTheRun() async throws {
        try await withTinyCatalog { conninfo in
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", reports.path,
            ])
            #expect(run.status == 2, "drift exits 2: \(run.err)")
            let folder = reports.appendingPathComponent("000001-nightly")
            // The nightly's index stage checks the production vectors (embedding.*) without images; image.*
            // needs an image source (ReindexTests runs those on the s world through the mirror).
            let check = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: folder.appendingPathComponent("discrepancies.ndjson"), excluding: ["image."])
            #expect(check.planted > 50)
            #expect(check.isExact, "\(check.summary)")
            let data = try Data(contentsOf: folder.appendingPathComponent("report.json"))
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let snapshot = try #require(report["snapshot"] as? [String: Any])
            #expect(snapshot["time"] as? String == "2025-10-25 03:00:00", "now is the dump's footer")
            #expect(snapshot["source"] as? String == "footer")
            let systematic = (report["systematic"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(systematic).isSuperset(of: ["product.type", "product.description", "product.created_at"]))
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.md").path))
            let prom = try String(contentsOf: folder.appendingPathComponent("metrics.prom"), encoding: .utf8)
            #expect(prom.contains("backstop_last_success_timestamp_seconds{run_kind=\"nightly\",shop=\"17008\"}"))
            for file in ["report.html", "junit.xml", "csv/product.field.csv", "csv/order.status.csv"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
            }
            #expect(run.out.contains("report: file://\(folder.path)/report.html"), "\(run.out)")
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            let listed = try #require(try runListings(runs.out).first)
            #expect(listed.status == .drift && listed.exitCode == 2, "\(runs.out)")
        }
    }

    /// Recall: a planted rename undone in the catalog before the run is a planted item the run cannot find,
    /// and the check names it as missing (and finds nothing extra).
    @Test func theCheckFailsOnOneMissedPlantedItem() async throws {
        try await withTinyCatalog { conninfo in
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("missed-\(UUID().uuidString)")
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let manifest = try String(contentsOf: world.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            let rename = try #require(
                manifest.split(separator: "\n").compactMap { line in
                    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                }.first {
                    $0["kind"] as? String == "product.field" && $0["field"] as? String == "name"
                        && $0["shop"] as? Int == 17008
                })
            let key = try #require((rename["key"] as? String).flatMap { Int64($0) })
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            _ = try connection.execute(
                "UPDATE product SET name = \(rename["bitrix"] as? String ?? "") WHERE id = \(key)")
            let run = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", out.path])
            #expect(run.status == 2, "\(run.err)")
            let check = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: out.appendingPathComponent("discrepancies.ndjson"))
            #expect(!check.isExact)
            #expect(check.extra.isEmpty, "\(check.summary)")
            #expect(check.missing.count == 1, "\(check.summary)")
            #expect(check.missing.first?.hasPrefix("product.field \(key) name") == true, "\(check.summary)")
        }
    }

    @Test func theCheckFailsOnOneRemovedPlantedItemAndOnOneExtraDrift() async throws {
        try await withTinyCatalog { conninfo in
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("mutation-\(UUID().uuidString)")
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            // One extra drift the world did not plant: a price edited in the catalog behind everyone's back, on a
            // product the manifest says nothing about.
            let manifest = try String(contentsOf: world.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            let planted = Set(
                manifest.split(separator: "\n").compactMap { line -> Int64? in
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    return (object?["key"] as? String).flatMap { Int64($0) }
                })
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            let candidates = try connection.execute(
                "SELECT id FROM product WHERE shop_id = 17008 AND enabled AND price > 0 ORDER BY id")
            let target = try #require(
                (0..<candidates.rowCount).compactMap { candidates.string(row: $0, column: 0).flatMap { Int64($0) } }
                    .first { !planted.contains($0) })
            _ = try connection.execute("UPDATE product SET price = price + 100 WHERE id = \(target)")
            let run = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", out.path])
            #expect(run.status == 2, "\(run.err)")
            // And one planted item removed from the ground truth.
            var lines = manifest.split(separator: "\n")
            let removed = try #require(lines.firstIndex { $0.contains("\"order.status\"") })
            lines.remove(at: removed)
            let mutated = out.appendingPathComponent("manifest-mutated.jsonl")
            try (lines.joined(separator: "\n") + "\n").write(to: mutated, atomically: true, encoding: .utf8)
            let check = try ManifestCheck.compare(
                manifest: mutated, ndjson: out.appendingPathComponent("discrepancies.ndjson"))
            #expect(check.missing.isEmpty)
            #expect(check.extra.count == 2, "the unplanted price drift and the removed status item: \(check.summary)")
            #expect(check.extra.contains { $0.hasPrefix("product.field ") && $0.contains(" price ") })
            #expect(check.extra.contains { $0.hasPrefix("order.status ") })
        }
    }

    @Test func theSameWorldYearsLaterGivesTheSameFindings() async throws {
        let faketime = ["/usr/bin/faketime", "/usr/local/bin/faketime"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        try #require(faketime != nil, "faketime is installed by make setup")
        try await withTinyCatalog { conninfo in
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let today = FileManager.default.temporaryDirectory.appendingPathComponent("today-\(UUID().uuidString)")
            let later = FileManager.default.temporaryDirectory.appendingPathComponent("later-\(UUID().uuidString)")
            let first = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", today.path])
            #expect(first.status == 2, "\(first.err)")
            let binary = RepoPaths.backstopBinary.deletingLastPathComponent().appendingPathComponent("backstop").path
            let second = try await Executable.runProgram(
                faketime!, ["-f", "+7y", binary, "diff", "--catalog", conninfo, "--dump", dump, "--out", later.path])
            #expect(second.status == 2, "\(second.err)")
            let a = try Data(contentsOf: today.appendingPathComponent("discrepancies.ndjson"))
            let b = try Data(contentsOf: later.appendingPathComponent("discrepancies.ndjson"))
            #expect(!a.isEmpty)
            #expect(a == b, "the clock moved seven years ahead changes nothing")
        }
    }

    /// Where the bundled dump is cut: 60 % in (inside the catalog tables), and inside `b_user` (the last
    /// table: every order is read, some users are not, so only the partial rule keeps customers from
    /// looking dangling).
    static let cuts = ["60%", "b_user"]

    @Test(arguments: cuts)
    func aTruncatedDumpFailsWithItsLocationAndNeverReportsOrphans(cutAt: String) async throws {
        try await withTinyCatalog { conninfo in
            let full = try Data(contentsOf: world.appendingPathComponent("bitrix/dump.sql"))
            let length: Int
            if cutAt == "b_user" {
                let marker = try #require(full.range(of: Data("INSERT INTO `b_user`".utf8)))
                length = marker.upperBound + (full.count - marker.upperBound) / 2
            } else {
                length = full.count * 6 / 10
            }
            let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).sql")
            try full.prefix(length).write(to: cut)
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
            let before = try catalogChecksum(conninfo)

            let strict = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", cut.path, "--report-dir", reports.path,
            ])
            #expect(strict.status == 1)
            #expect(strict.err.contains(cut.lastPathComponent))
            #expect(strict.err.contains("byte "), "the error names the byte offset: \(strict.err)")

            let partial = try await backstop(
                ["nightly", "--catalog", conninfo, "--dump", cut.path, "--allow-partial", "--report-dir", reports.path])
            #expect(partial.status == 3, "partial input exits 3: \(partial.err)")
            let data = try Data(contentsOf: reports.appendingPathComponent("000002-nightly/report.json"))
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let kinds = (report["discrepancies"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(!kinds.contains("product.orphan"), "a truncated dump must never turn catalog rows into orphans")
            #expect(
                !kinds.contains { ["order.orphan", "order.dangling_product", "order.dangling_customer"].contains($0) })
            #expect((report["run"] as? [String: Any])?["status"] as? String == "partial")
            #expect((report["withheld_partial"] as? Int ?? 0) > 0, "what was held back is counted")
            #expect(try catalogChecksum(conninfo) == before, "the upstream tables are never written")
        }
    }

    /// One checksum over every upstream table's rows.
    func catalogChecksum(_ conninfo: String) throws -> String {
        let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
        defer { connection.close() }
        let result = try connection.execute(
            """
            SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
                SELECT 'p' || p::text AS t FROM product p UNION ALL SELECT 'i' || i::text FROM productimage i
                UNION ALL SELECT 'o' || o::text FROM "order" o UNION ALL SELECT 'l' || l::text FROM orderitem l
                UNION ALL SELECT 'h' || h::text FROM orderhistory h UNION ALL SELECT 'e' || e::text FROM product_embeddings e
                UNION ALL SELECT 's' || last_value::text FROM product_id_seq) rows
            """)
        return result.string(row: 0, column: 0) ?? ""
    }

    @Test func aSecondRunWhileOneHoldsTheLockExits75() async throws {
        try await withTinyCatalog { conninfo in
            let holder = try PGConnectionHolder(conninfo: conninfo)
            defer { holder.release() }
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", NSTemporaryDirectory(),
            ])
            #expect(run.status == 75, "\(run.err)")
            #expect(run.err.contains("another Backstop run holds the lock on this catalog"), "\(run.err)")
            #expect(run.err.contains("a session that announced no run"), "\(run.err)")
        }
    }
}

@Suite struct ExtractEntityTests {
    @Test func productsFromTheTinyDumpAreCanonical() async throws {
        let dump = RepoPaths.data.appendingPathComponent("tiny/bitrix/dump.sql").path
        let result = try await backstop(["extract", "--dump", dump, "--entity", "products"])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n")
        #expect(lines.count > 50)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["id"] is Int)
        #expect(first["price"] is Int, "money is plain integer kopecks")
        #expect((first["image"] as? String)?.hasPrefix("https://cvety.kz/upload/") == true)
        let csv = try await backstop(["extract", "--dump", dump, "--entity", "users", "--format", "csv"])
        #expect(csv.out.hasPrefix(#""id","login","name","email","phone","active""# + "\r\n"))
    }

    @Test func entityNeedsExactlyOneSource() async throws {
        let result = try await backstop(["extract", "--entity", "users"])
        #expect(result.status == 64)
        #expect(result.err.contains("exactly one source"))
    }
}
