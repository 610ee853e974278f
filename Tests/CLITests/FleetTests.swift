import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// `--shop` as a set (issue 18): `--shop all` on the bundled tiny world reports every planted item of every
/// migrated seller exactly once, in that seller's folder; `--shop X` equals the `X/` folder; the fleet page
/// lists the shops and the non-sellers as out of scope; a `--shop` the catalog lacks is a usage error.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct FleetTests {
    let world = RepoPaths.data.appendingPathComponent("tiny")
    /// The catalog sellers of the tiny world (generator 1.3.0): 17008 and three migrated sellers.
    static let sellers = [17008, 71264, 90246, 559975]

    func withTinyCatalog(_ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase(prefix: "fleet") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(migrate.status == 0, "\(migrate.err)")
            try await body(conninfo)
        }
    }

    func temporaryFolder(_ prefix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }

    /// The lines of a file, sorted (a run's findings as a set).
    func sortedLines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
    }

    @Test func shopAllIsExactForEveryShopAndEachShopEqualsItsOwnRun() async throws {
        try await withTinyCatalog { conninfo in
            let out = temporaryFolder("fleet-all")
            defer { try? FileManager.default.removeItem(at: out) }
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try await backstop([
                "diff", "--catalog", conninfo, "--dump", dump, "--shop", "all", "--out", out.path,
            ])
            #expect(run.status == 2, "\(run.err)")
            #expect(run.out.contains("out of scope (not Bitrix sellers): 8"), "\(run.out)")
            let manifest = world.appendingPathComponent("manifest.jsonl")
            var union: [String] = []
            for shop in Self.sellers {
                let ndjson = out.appendingPathComponent("\(shop)/discrepancies.ndjson")
                let check = try ManifestCheck.compare(manifest: manifest, ndjson: ndjson, shops: [shop])
                #expect(check.planted > 5, "shop \(shop) has planted drift")
                #expect(check.isExact, "shop \(shop): \(check.summary)")
                for line in try sortedLines(ndjson) {
                    let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(record?["shop"] as? Int == shop, "every record carries its shop: \(line)")
                    union.append(line)
                }
                let csv = try String(
                    contentsOf: out.appendingPathComponent("\(shop)/csv/product.field.csv"), encoding: .utf8)
                #expect(csv.hasPrefix("run_id,shop,kind"))
                let prom = try String(contentsOf: out.appendingPathComponent("\(shop)/metrics.prom"), encoding: .utf8)
                #expect(prom.contains("shop=\"\(shop)\""))
            }
            // Every planted item of every shop, each once: the whole manifest (the index kinds aside).
            let all = try ManifestCheck.compare(manifest: manifest, ndjson: try joined(union), shops: nil)
            #expect(all.isExact, "\(all.summary)")
            #expect(
                !FileManager.default.fileExists(atPath: out.appendingPathComponent("8").path), "shop 8 is no seller")

            // The fleet page: shops worst first, links, shop 8 out of scope.
            let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
            for shop in Self.sellers { #expect(page.contains("href=\"\(shop)/report.html\"")) }
            #expect(page.contains("<ul id=\"out-of-scope\"><li>8 "))
            let fleet =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: out.appendingPathComponent("fleet.json"))) as? [String: Any]
            let shops = try #require(fleet?["shops"] as? [[String: Any]])
            #expect(shops.compactMap { $0["id"] as? Int }.sorted() == Self.sellers)
            #expect(shops.first?["id"] as? Int == 17008, "the shop with the most findings first")

            // `--shop X` equals the X/ folder, for the home shop and another seller.
            for shop in [17008, 71264] {
                let one = temporaryFolder("fleet-one")
                defer { try? FileManager.default.removeItem(at: one) }
                let single = try await backstop([
                    "diff", "--catalog", conninfo, "--dump", dump, "--shop", String(shop), "--out", one.path,
                ])
                #expect(single.status == 2, "\(single.err)")
                #expect(
                    try sortedLines(one.appendingPathComponent("discrepancies.ndjson"))
                        == sortedLines(out.appendingPathComponent("\(shop)/discrepancies.ndjson")), "shop \(shop)")
            }
        }
    }

    /// The sequence risk is catalog-wide: once, in the home shop's folder, and in no run without it.
    @Test func catalogWideFindingsGoToTheHomeShopOnly() async throws {
        try await withTinyCatalog { conninfo in
            let out = temporaryFolder("fleet-list")
            defer { try? FileManager.default.removeItem(at: out) }
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let run = try await backstop([
                "diff", "--catalog", conninfo, "--dump", dump, "--shop", "71264,90246", "--out", out.path,
            ])
            #expect(run.status == 2, "\(run.err)")
            for shop in [71264, 90246] {
                let text = try String(
                    contentsOf: out.appendingPathComponent("\(shop)/discrepancies.ndjson"), encoding: .utf8)
                #expect(!text.contains("sequence.collision_risk"))
            }
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("17008").path))
        }
    }

    @Test func aShopTheCatalogLacksIsAUsageError() async throws {
        try await withTinyCatalog { conninfo in
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let unknown = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--shop", "17008,99"])
            #expect(unknown.status == 64)
            #expect(unknown.err.contains("--shop 99"), "\(unknown.err)")
            #expect(
                unknown.err.contains("17008 (Cvetykz)") && unknown.err.contains("8 (Railway (dev))"), "\(unknown.err)")
            for bad in ["0", "abc", "4294967296", "17008,,71264"] {
                let result = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--shop", bad])
                #expect(result.status == 64, "--shop \(bad): \(result.err)")
                #expect(result.err.contains(bad), "--shop \(bad) is named: \(result.err)")
            }
        }
    }

    /// Locks are per (catalog, shop): a run of another shop proceeds while one shop's lock is held; a run of
    /// the held shop (alone or in a fleet) exits 75 naming the holder, and records nothing.
    @Test func aHeldShopLockStopsOnlyThatShopsRuns() async throws {
        try await withTinyCatalog { conninfo in
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let holder = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { holder.close() }
            try holder.execute("SELECT set_config('application_name', 'backstop diff run 999', false)")
            try holder.execute("SELECT pg_advisory_lock(\(Int64(0x6273_7473))::int4, 71264)")
            let other = try await backstop([
                "diff", "--catalog", conninfo, "--dump", dump, "--shop", "17008", "--out",
                temporaryFolder("lock-a").path,
            ])
            #expect(other.status == 2, "a disjoint shop runs: \(other.err)")
            for shops in ["71264", "17008,71264", "all"] {
                let same = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--shop", shops])
                #expect(same.status == 75, "--shop \(shops): \(same.err)")
                #expect(same.err.contains("71264") && same.err.contains("backend pid"), "\(same.err)")
            }
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            #expect(runs.out.split(separator: "\n").count == 1, "only the 17008 run was recorded: \(runs.out)")
            let shopRuns = try await backstop(["runs", "--catalog", conninfo, "--json", "--shop", "71264"])
            #expect(shopRuns.out.isEmpty, "\(shopRuns.out)")
        }
    }

    /// N = 3 partitions at once, as three processes: together they cover every shop once, and the union of
    /// their findings equals one `--shop all` run (after sorting); `backstop fleet` assembles their page.
    @Test func threePartitionsAtOnceEqualOneFleetRun() async throws {
        try await withTinyCatalog { conninfo in
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let root = temporaryFolder("partitions")
            defer { try? FileManager.default.removeItem(at: root) }
            func partition(_ k: Int) async throws -> Executable.Result {
                try await backstop([
                    "diff", "--catalog", conninfo, "--dump", dump, "--shop", "all", "--partition", "\(k)/3",
                    "--out", root.appendingPathComponent("p\(k)").path,
                ])
            }
            async let first = partition(1)
            async let second = partition(2)
            async let third = partition(3)
            let results = try await [first, second, third]
            var union: [String] = []
            var covered: [Int] = []
            for (k, result) in results.enumerated() {
                #expect([0, 2].contains(result.status), "partition \(k + 1): \(result.err)")
                for shop in Self.sellers {
                    let ndjson = root.appendingPathComponent("p\(k + 1)/\(shop)/discrepancies.ndjson")
                    guard FileManager.default.fileExists(atPath: ndjson.path) else { continue }
                    covered.append(shop)
                    union += try sortedLines(ndjson)
                }
            }
            #expect(covered.sorted() == Self.sellers, "every shop in exactly one partition: \(covered)")
            let whole = root.appendingPathComponent("all")
            let all = try await backstop([
                "diff", "--catalog", conninfo, "--dump", dump, "--shop", "all", "--out", whole.path,
            ])
            #expect(all.status == 2, "\(all.err)")
            let expected = try Self.sellers.flatMap {
                try sortedLines(whole.appendingPathComponent("\($0)/discrepancies.ndjson"))
            }
            #expect(union.sorted() == expected.sorted(), "the partitions' union is the fleet run, byte for byte")
            #expect(Set(union).count == union.count, "nothing twice")

            let page = root.appendingPathComponent("fleet")
            let fleet = try await backstop([
                "fleet", "--catalog", conninfo, "--since", "2000-01-01", "--kind", "diff", "--out", page.path,
            ])
            #expect(fleet.status == 0, "\(fleet.err)")
            let json = try JSONSerialization.jsonObject(
                with: Data(contentsOf: page.appendingPathComponent("fleet.json")))
            let shops = (json as? [String: Any])?["shops"] as? [[String: Any]] ?? []
            #expect(shops.compactMap { $0["id"] as? Int }.sorted() == Self.sellers)
            let bad = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--partition", "4/3"])
            #expect(bad.status == 64 && bad.err.contains("4/3"), "\(bad.err)")
        }
    }

    /// With two threads a fleet reconciles ahead and writes the shops' folders on threads of their own
    /// (issue 18 item 7): every shop's folder has the same files and findings as with one thread, and each
    /// shop's metrics reach the textfile collector.
    @Test func twoThreadsWriteEveryShopsFolderAndTextfileAsOneThreadDoes() async throws {
        try await withTinyCatalog { conninfo in
            let root = temporaryFolder("fleet-threads")
            defer { try? FileManager.default.removeItem(at: root) }
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            var folders: [Int: URL] = [:]
            for threads in [1, 2] {
                let out = root.appendingPathComponent("out-\(threads)")
                let textfiles = root.appendingPathComponent("prom-\(threads)")
                try FileManager.default.createDirectory(at: textfiles, withIntermediateDirectories: true)
                let config = root.appendingPathComponent("backstop-\(threads).toml")
                try "[report]\ntextfile_directory = \"\(textfiles.path)\"\n".write(
                    to: config, atomically: true, encoding: .utf8)
                let run = try await backstop(
                    [
                        "diff", "--config", config.path, "--catalog", conninfo, "--dump", dump, "--shop", "all",
                        "--out", out.path,
                    ], environment: ["BACKSTOP_READ_THREADS": String(threads)])
                #expect(run.status == 2, "\(run.err)")
                for shop in Self.sellers {
                    let prom = textfiles.appendingPathComponent("backstop_diff_\(shop).prom")
                    let text = try String(contentsOf: prom, encoding: .utf8)
                    #expect(text.contains("shop=\"\(shop)\""), "\(threads) threads: shop \(shop)'s metrics")
                }
                folders[threads] = out
            }
            let one = try #require(folders[1])
            let two = try #require(folders[2])
            for shop in Self.sellers {
                let files = { (folder: URL) in
                    try FileManager.default.subpathsOfDirectory(atPath: folder.appendingPathComponent("\(shop)").path)
                        .sorted()
                }
                #expect(try files(one) == files(two), "shop \(shop): the same files")
                #expect(try files(two).contains("report.html") && files(two).contains("discrepancies.ndjson"))
                #expect(
                    try sortedLines(one.appendingPathComponent("\(shop)/discrepancies.ndjson"))
                        == sortedLines(two.appendingPathComponent("\(shop)/discrepancies.ndjson")), "shop \(shop)")
            }
        }
    }

    /// Writes `lines` to a scratch file (for ``ManifestCheck``).
    func joined(_ lines: [String]) throws -> URL {
        let file = temporaryFolder("fleet-union").appendingPathExtension("ndjson")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
