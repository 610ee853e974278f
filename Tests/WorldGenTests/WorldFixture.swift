import BackstopModel
import BackstopTestSupport
import BackstopWorldGen
import Foundation
import Logging

/// Where the tests find a world and the servers.
enum WorldFixture {
    static var env: [String: String] { ProcessInfo.processInfo.environment }

    /// The MariaDB socket (`BACKSTOP_TEST_MARIADB_SOCKET`), or `nil`.
    static var mariadbSocket: String? {
        env["BACKSTOP_TEST_MARIADB_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether MariaDB tests run: configured, or required (then a missing server fails them).
    static var mariadbEnabled: Bool { mariadbSocket != nil || env["BACKSTOP_REQUIRE_MARIADB"] == "1" }

    /// Both servers configured or required.
    static var serversEnabled: Bool { mariadbEnabled && TestDatabase.isEnabled }

    static func requireSocket() throws -> String {
        guard let socket = mariadbSocket else {
            throw WorldGenError(.tool, "BACKSTOP_TEST_MARIADB_SOCKET is not set; run the tests through `make test`")
        }
        return socket
    }

    /// The `s` world of scripts/test.d/10-world.sh (`BACKSTOP_WORLD_S`, default `.backstop/worlds/s-1`), if
    /// it was generated.
    static var sWorld: URL? {
        let url =
            env["BACKSTOP_WORLD_S"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? RepoPaths.root.appendingPathComponent(".backstop/worlds/s-1")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("world.json").path) ? url : nil
    }

    /// Generates a tiny world into a fresh temporary folder.
    static func tinyWorld(seed: UInt64 = 1, socket: String?, directDump: Bool = true) async throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("worldgen-test-\(UUID().uuidString)")
        let options = WorldOptions(
            scale: .tiny, seed: seed, output: dir, mariadbSocket: socket, writeImages: false,
            directDump: directDump)
        try await WorldGenerator(options: options, logger: TestDatabase.quietLogger).generate()
        return dir
    }

    /// The world's `manifest.jsonl` (or another file of the same shape, e.g. `negatives.jsonl`).
    static func manifest(_ world: URL, file: String = "manifest.jsonl") throws -> [ManifestEntry] {
        let data = try Data(contentsOf: world.appendingPathComponent(file))
        return try data.split(separator: 10).map { try JSONDecoder().decode(ManifestEntry.self, from: Data($0)) }
    }
}
