import BackstopTestSupport
import Foundation
import Testing

/// The parallel dump read (`bitrix.read_threads` 2: the dump read on a thread of its own while the catalog
/// is read, and parsed on another, ahead of the Bitrix model) writes byte for byte the findings of the
/// single-thread read, on the bundled tiny world, on a tiny world of another seed and on the `s` world. So
/// does the second read of the basket table after the orders (a plain dump) against the one read where it
/// stands (the same dump gzipped, which cannot be read twice).
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct ReadThreadsDeterminismTests {
    /// Runs `backstop diff` (with `arguments`) once per (dump, thread count) on one catalog and returns each
    /// run's findings: the `files` of its report folder, one after another.
    func findings(
        world: URL, runs: [(dump: URL, threads: Int)], arguments: [String] = [],
        files: [String] = ["discrepancies.ndjson"]
    ) async throws -> [Data] {
        try await TestDatabase.withScratchDatabase(prefix: "determinism") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            try #require(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            try #require(migrate.status == 0, "\(migrate.err)")
            var outputs: [Data] = []
            for (dump, count) in runs {
                let out = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "determinism-\(count)-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: out) }
                let run = try await backstop(
                    ["diff", "--catalog", conninfo, "--dump", dump.path, "--out", out.path, "--log-level", "error"]
                        + arguments,
                    environment: ["BACKSTOP_READ_THREADS": String(count)])
                #expect(run.status == 2, "\(dump.lastPathComponent), read threads \(count): \(run.err)")
                var output = Data()
                for file in files {
                    output.append(Data("== \(file)\n".utf8))
                    output.append(try Data(contentsOf: out.appendingPathComponent(file)))
                }
                outputs.append(output)
            }
            return outputs
        }
    }

    /// Expects every output equal to the first (the single-thread read), and not empty.
    func expectIdentical(_ outputs: [Data], _ label: String) {
        guard let serial = outputs.first else {
            Issue.record("\(label): no run produced an output")
            return
        }
        #expect(serial.count > 1000, "\(label): the single-thread diff found almost nothing")
        for (i, output) in outputs.enumerated().dropFirst() {
            #expect(output == serial, "\(label): run \(i) differs from the single-thread run")
        }
    }

    /// `dump` gzipped into a temporary file (`gzip -1`): a dump that is read once, in its own order.
    func gzipped(_ dump: URL) async throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "determinism-\(UUID().uuidString).sql.gz")
        let bytes = try await Executable.output(of: "/usr/bin/gzip", ["-1", "-c", dump.path])
        try bytes.write(to: out)
        return out
    }

    /// `dump` (gzip) uncompressed into a temporary file: a plain dump, whose basket is read after its orders.
    func gunzipped(_ dump: URL) async throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("determinism-\(UUID().uuidString).sql")
        let bytes = try await Executable.output(of: "/usr/bin/gzip", ["-d", "-c", dump.path])
        try bytes.write(to: out)
        return out
    }

    @Test func tinyWorldFindingsAreTheSameWithOneOrTwoReadThreads() async throws {
        let world = RepoPaths.data.appendingPathComponent("tiny")
        let dump = world.appendingPathComponent("bitrix/dump-complete-insert.sql.gz")
        let plain = try await gunzipped(dump)
        defer { try? FileManager.default.removeItem(at: plain) }
        expectIdentical(
            try await findings(world: world, runs: [(dump, 1), (dump, 2), (plain, 1), (plain, 2)]), "tiny")
    }

    /// `--shop all` (the fleet's one read of each side, the dump read beside the catalog with two threads):
    /// every seller's findings the same byte for byte, read in place (gzip) or with the basket after the
    /// orders (plain), with one or two threads.
    @Test func tinyWorldFleetFindingsAreTheSameWithOneOrTwoReadThreads() async throws {
        let world = RepoPaths.data.appendingPathComponent("tiny")
        let plain = world.appendingPathComponent("bitrix/dump.sql")
        let packed = world.appendingPathComponent("bitrix/dump-complete-insert.sql.gz")
        let outputs = try await findings(
            world: world, runs: [(packed, 1), (plain, 1), (plain, 2)], arguments: ["--shop", "all"],
            files: FleetTests.sellers.map { "\($0)/discrepancies.ndjson" })
        let serial = try #require(outputs.first)
        #expect(serial.count > 4_000, "the fleet found almost nothing")
        for (i, output) in outputs.enumerated().dropFirst() {
            #expect(output == serial, "fleet run \(i) differs from the single-thread gzip run")
        }
    }

    @Test func anotherSeedsFindingsAreTheSameWithOneOrTwoReadThreads() async throws {
        let world = FileManager.default.temporaryDirectory.appendingPathComponent(
            "determinism-seed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: world) }
        let generate = try await worldgen(
            ["generate", "--scale", "tiny", "--seed", "9", "--out", world.path, "--no-images"],
            environment: ["BACKSTOP_MARIADB_SOCKET": "", "BACKSTOP_TEST_MARIADB_SOCKET": ""])
        try #require(generate.status == 0, "\(generate.err)")
        let dump = world.appendingPathComponent("bitrix/dump.sql")
        let packed = try await gzipped(dump)
        defer { try? FileManager.default.removeItem(at: packed) }
        expectIdentical(
            try await findings(world: world, runs: [(packed, 1), (dump, 1), (dump, 2)]), "tiny seed 9")
    }

    @Test(.enabled(if: TestWorlds.sIsUsable, "needs the s world (make test generates it: scripts/test.d/10-world.sh)"))
    func sWorldFindingsAreTheSameWithOneOrTwoReadThreads() async throws {
        let world = TestWorlds.s
        try #require(TestWorlds.sIsPresent, "make test generates the s world first (scripts/test.d/10-world.sh)")
        let dump = world.appendingPathComponent("bitrix/dump.sql")
        let packed = try await gzipped(dump)
        defer { try? FileManager.default.removeItem(at: packed) }
        expectIdentical(try await findings(world: world, runs: [(packed, 1), (dump, 1), (dump, 2)]), "s")
    }

    /// `dump` with the section of `table` moved right after the section of `anchor`: a dump whose tables
    /// are not in alphabetical order.
    func reordered(_ dump: URL, moving table: String, after anchor: String) throws -> URL {
        let marker = "-- Table structure for table `"
        var parts = try String(contentsOf: dump, encoding: .utf8).components(separatedBy: marker)
        let from = try #require(parts.firstIndex { $0.hasPrefix(table + "`") })
        let moved = parts.remove(at: from)
        let to = try #require(parts.firstIndex { $0.hasPrefix(anchor + "`") })
        parts.insert(moved, at: to + 1)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("determinism-\(UUID().uuidString).sql")
        try Data(parts.joined(separator: marker).utf8).write(to: out)
        return out
    }

    /// The products are built when the product tables are done, at the first order-side row: a dump with
    /// a product table (`b_catalog_price`) after `b_sale_order` is read again with the products built at
    /// the end, and its findings are those of the alphabetical dump, with one or two read threads.
    @Test func aProductTableAfterTheOrdersGivesTheSameFindings() async throws {
        let world = RepoPaths.data.appendingPathComponent("tiny")
        let plain = world.appendingPathComponent("bitrix/dump.sql")
        let late = try reordered(plain, moving: "b_catalog_price", after: "b_sale_order")
        defer { try? FileManager.default.removeItem(at: late) }
        expectIdentical(
            try await findings(world: world, runs: [(plain, 2), (late, 1), (late, 2)]), "tiny, prices after orders")
    }
}
