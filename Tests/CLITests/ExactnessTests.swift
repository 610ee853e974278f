import BackstopTestSupport
import Foundation
import Testing

/// `backstop diff` against the generated `s` world (scripts/test.d/10-world.sh): every planted item found
/// and nothing else reported, for every kind the reconcile stage owns.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct ExactnessTests {
    @Test(.enabled(if: TestWorlds.sIsUsable, "needs the s world (make test generates it: scripts/test.d/10-world.sh)"))
    func diffOnTheSWorldIsExactBothWays() async throws {
        let world = TestWorlds.s
        try #require(TestWorlds.sIsPresent, "make test generates the s world first (scripts/test.d/10-world.sh)")
        try await TestDatabase.withScratchDatabase(prefix: "exact") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(migrate.status == 0, "\(migrate.err)")
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("exact-s-\(UUID().uuidString)")
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", out.path])
            #expect(run.status == 2, "\(run.err)")
            let check = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: out.appendingPathComponent("discrepancies.ndjson"))
            #expect(check.planted > 500)
            #expect(check.isExact, "\(check.summary)")

            // Every shop of the fleet, both ways, from one read of each side.
            let fleet = FileManager.default.temporaryDirectory.appendingPathComponent(
                "exact-s-all-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: fleet) }
            let all = try await backstop([
                "diff", "--catalog", conninfo, "--dump", dump, "--shop", "all", "--out", fleet.path,
            ])
            #expect(all.status == 2, "\(all.err)")
            for shop in FleetTests.sellers {
                let shopCheck = try ManifestCheck.compare(
                    manifest: world.appendingPathComponent("manifest.jsonl"),
                    ndjson: fleet.appendingPathComponent("\(shop)/discrepancies.ndjson"), shops: [shop])
                #expect(shopCheck.planted > 30, "shop \(shop)")
                #expect(shopCheck.isExact, "shop \(shop): \(shopCheck.summary)")
            }
        }
    }
}

/// Exactness does not hang on one seed: tiny worlds of other seeds, written by the direct dump writer.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct SeedExactnessTests {
    @Test(arguments: [2, 3, 4])
    func diffIsExactOnAnotherSeed(seed: Int) async throws {
        let world = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(seed)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: world) }
        let generate = try await worldgen(
            ["generate", "--scale", "tiny", "--seed", String(seed), "--out", world.path, "--no-images"],
            environment: ["BACKSTOP_MARIADB_SOCKET": "", "BACKSTOP_TEST_MARIADB_SOCKET": ""])
        #expect(generate.status == 0, "\(generate.err)")
        try await TestDatabase.withScratchDatabase(prefix: "seed") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            _ = try await backstop(["db", "migrate", "--catalog", conninfo])
            let out = world.appendingPathComponent("out")
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", out.path])
            #expect(run.status == 2, "\(run.err)")
            let check = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: out.appendingPathComponent("discrepancies.ndjson"))
            #expect(check.planted > 40)
            #expect(check.isExact, "seed \(seed): \(check.summary)")
        }
    }
}
