import BackstopTestSupport
import Foundation
import Testing

/// The parallel dump read (`bitrix.read_threads` 2: the dump parsed on its own thread, ahead of the Bitrix
/// model) writes byte for byte the findings of the single-thread read, on the bundled tiny world, on a tiny
/// world of another seed and on the `s` world.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct ReadThreadsDeterminismTests {
    /// Runs `backstop diff` once per thread count on one catalog and returns each run's findings file.
    func findings(world: URL, dump: URL, threads: [Int]) async throws -> [Data] {
        try await TestDatabase.withScratchDatabase(prefix: "determinism") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            try #require(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            try #require(migrate.status == 0, "\(migrate.err)")
            var outputs: [Data] = []
            for count in threads {
                let out = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "determinism-\(count)-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: out) }
                let run = try await backstop(
                    ["diff", "--catalog", conninfo, "--dump", dump.path, "--out", out.path, "--log-level", "error"],
                    environment: ["BACKSTOP_READ_THREADS": String(count)])
                #expect(run.status == 2, "read threads \(count): \(run.err)")
                outputs.append(try Data(contentsOf: out.appendingPathComponent("discrepancies.ndjson")))
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

    @Test func tinyWorldFindingsAreTheSameWithOneOrTwoReadThreads() async throws {
        let world = RepoPaths.data.appendingPathComponent("tiny")
        let dump = world.appendingPathComponent("bitrix/dump-complete-insert.sql.gz")
        expectIdentical(try await findings(world: world, dump: dump, threads: [1, 2]), "tiny")
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
        expectIdentical(try await findings(world: world, dump: dump, threads: [1, 2]), "tiny seed 9")
    }

    @Test(.enabled(if: TestWorlds.sIsUsable, "needs the s world (make test generates it: scripts/test.d/10-world.sh)"))
    func sWorldFindingsAreTheSameWithOneOrTwoReadThreads() async throws {
        let world = TestWorlds.s
        try #require(TestWorlds.sIsPresent, "make test generates the s world first (scripts/test.d/10-world.sh)")
        let dump = world.appendingPathComponent("bitrix/dump.sql")
        expectIdentical(try await findings(world: world, dump: dump, threads: [1, 2]), "s")
    }
}
