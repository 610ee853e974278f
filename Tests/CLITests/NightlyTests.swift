import BackstopTestSupport
import Foundation
import Testing

/// Runs the built `worldgen` binary.
func worldgen(_ arguments: [String]) throws -> Executable.Result {
    try Executable.run("worldgen", arguments)
}

/// The nightly job end to end on the bundled tiny world: real dump, real catalog, real reports.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct NightlyTests {
    let world = RepoPaths.data.appendingPathComponent("tiny")

    func withTinyCatalog(_ body: (String) throws -> Void) throws {
        try TestDatabase.withScratchDatabase(prefix: "nightly") { conninfo in
            let load = try worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            let migrate = try backstop(["db", "migrate", "--catalog", conninfo])
            #expect(migrate.status == 0, "\(migrate.err)")
            try body(conninfo)
        }
    }

    @Test func nightlyFindsThePlantedProductDriftAndRecordsTheRun() throws {
        try withTinyCatalog { conninfo in
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try backstop(["nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", reports.path])
            #expect(run.status == 2, "drift exits 2: \(run.err)")
            let folder = reports.appendingPathComponent("000001-nightly")
            let data = try Data(contentsOf: folder.appendingPathComponent("report.json"))
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let items = try #require(report["discrepancies"] as? [[String: Any]])
            let found = Set(items.compactMap { item -> String? in
                guard let kind = item["kind"] as? String, let key = item["key"] as? String else { return nil }
                return "\(kind) \(key) \(item["field"] as? String ?? "")"
            })
            // Every planted product.missing / product.orphan / price / name / enabled drift of the manifest.
            let manifest = try String(contentsOf: world.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            var expected: Set<String> = []
            for line in manifest.split(separator: "\n") {
                let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let kind = entry["kind"] as? String ?? ""
                let field = entry["field"] as? String ?? ""
                if kind == "product.missing" || kind == "product.orphan"
                    || (kind == "product.field" && ["price", "name", "enabled"].contains(field))
                {
                    expected.insert("\(kind) \(entry["key"] as? String ?? "") \(field)")
                }
            }
            #expect(!expected.isEmpty)
            #expect(expected.subtracting(found).isEmpty, "not found: \(expected.subtracting(found))")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.md").path))
            let prom = try String(contentsOf: folder.appendingPathComponent("backstop.prom"), encoding: .utf8)
            #expect(prom.contains("backstop_last_success_timestamp_seconds{job=\"nightly\"}"))
            let runs = try backstop(["runs", "--catalog", conninfo, "--json"])
            #expect(runs.out.contains("\"status\": \"drift\""))
            #expect(runs.out.contains("\"exit_code\": 2"))
        }
    }

    @Test func aTruncatedDumpFailsWithItsLocationAndNeverReportsOrphans() throws {
        try withTinyCatalog { conninfo in
            let full = try Data(contentsOf: world.appendingPathComponent("bitrix/dump.sql"))
            let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).sql")
            try full.prefix(full.count * 6 / 10).write(to: cut)
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")

            let strict = try backstop(["nightly", "--catalog", conninfo, "--dump", cut.path, "--report-dir", reports.path])
            #expect(strict.status == 1)
            #expect(strict.err.contains(cut.lastPathComponent))
            #expect(strict.err.contains("byte "), "the error names the byte offset: \(strict.err)")

            let partial = try backstop(
                ["nightly", "--catalog", conninfo, "--dump", cut.path, "--allow-partial", "--report-dir", reports.path])
            #expect(partial.status == 3, "partial input exits 3: \(partial.err)")
            let data = try Data(contentsOf: reports.appendingPathComponent("000002-nightly/report.json"))
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let kinds = (report["discrepancies"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(!kinds.contains("product.orphan"), "a truncated dump must never turn catalog rows into orphans")
            #expect((report["run"] as? [String: Any])?["status"] as? String == "partial")
        }
    }

    @Test func aSecondRunWhileOneHoldsTheLockExits75() throws {
        try withTinyCatalog { conninfo in
            let holder = try PGConnectionHolder(conninfo: conninfo)
            defer { holder.release() }
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try backstop(["nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", NSTemporaryDirectory()])
            #expect(run.status == 75, "\(run.err)")
        }
    }
}

@Suite struct ExtractEntityTests {
    @Test func productsFromTheTinyDumpAreCanonical() throws {
        let dump = RepoPaths.data.appendingPathComponent("tiny/bitrix/dump.sql").path
        let result = try backstop(["extract", "--dump", dump, "--entity", "products"])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n")
        #expect(lines.count > 50)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["id"] is Int)
        #expect(first["price"] is Int, "money is plain integer kopecks")
        #expect((first["image"] as? String)?.hasPrefix("https://cvety.kz/upload/") == true)
        let csv = try backstop(["extract", "--dump", dump, "--entity", "users", "--format", "csv"])
        #expect(csv.out.hasPrefix("active,email,id,login,name,phone\r\n"))
    }

    @Test func entityNeedsExactlyOneSource() throws {
        let result = try backstop(["extract", "--entity", "users"])
        #expect(result.status == 64)
        #expect(result.err.contains("exactly one source"))
    }
}
