public import Foundation

/// The generated worlds tests read: the `s` world of scripts/test.d/10-world.sh.
///
/// A test that needs it is `.enabled(if: TestWorlds.sIsUsable, …)`: without the world it shows as skipped,
/// except under `make test` (`BACKSTOP_REQUIRE_MARIADB=1`, which generates it first), where it runs and
/// fails its `#require` if the world is missing.
public enum TestWorlds {
    /// The `s` world's folder (`BACKSTOP_WORLD_S`, default `.backstop/worlds/s-1`).
    public static var s: URL {
        ProcessInfo.processInfo.environment["BACKSTOP_WORLD_S"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? RepoPaths.root.appendingPathComponent(".backstop/worlds/s-1")
    }

    /// Whether the `s` world was generated (its manifest is there).
    public static var sIsPresent: Bool {
        FileManager.default.fileExists(atPath: s.appendingPathComponent("manifest.jsonl").path)
    }

    /// Whether the `s` world's images were rendered.
    public static var sImagesArePresent: Bool {
        FileManager.default.fileExists(atPath: s.appendingPathComponent("images/upload").path)
    }

    /// Whether the run requires the worlds (`make test`): then a missing world is a failure, not a skip.
    public static var areRequired: Bool { ProcessInfo.processInfo.environment["BACKSTOP_REQUIRE_MARIADB"] == "1" }

    /// Whether a test of the `s` world runs: it is there, or it is required (and its absence then fails).
    public static var sIsUsable: Bool { sIsPresent || areRequired }

}
