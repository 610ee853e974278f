public import Foundation

/// Paths inside this repository and the shared reference folder beside it, found from this file's
/// location so tests work from any working directory.
public enum RepoPaths {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `sql/catalog`.
    public static var catalogSchema: URL { root.appendingPathComponent("sql/catalog") }
    /// `sql/backstop`.
    public static var backstopMigrations: URL { root.appendingPathComponent("sql/backstop") }
    /// `data/`.
    public static var data: URL { root.appendingPathComponent("data") }
    /// `../shared` (the reference material and fixtures beside the checkout); `BACKSTOP_SHARED` overrides.
    public static var shared: URL {
        if let path = ProcessInfo.processInfo.environment["BACKSTOP_SHARED"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return root.deletingLastPathComponent().appendingPathComponent("shared")
    }
    /// The project's own dump fixtures, built from `Tests/ExtractTests/Fixtures/mysqldump` by
    /// `scripts/test.d/05-dump-fixtures.sh` (`.backstop/fixtures/mysqldump`; `BACKSTOP_DUMP_FIXTURES` overrides).
    public static var mysqldumpFixtures: URL {
        if let path = ProcessInfo.processInfo.environment["BACKSTOP_DUMP_FIXTURES"], !path.isEmpty {
            return URL(fileURLWithPath: path, relativeTo: root).standardizedFileURL
        }
        return root.appendingPathComponent(".backstop/fixtures/mysqldump")
    }
    /// Whether ``mysqldumpFixtures`` has been built.
    public static var mysqldumpFixturesBuilt: Bool {
        FileManager.default.fileExists(atPath: mysqldumpFixtures.appendingPathComponent(".stamp").path)
    }
    /// `../shared/fixtures/mysqldump` when it is there: extra cases, never required.
    public static var sharedMysqldumpFixtures: URL? {
        let url = shared.appendingPathComponent("fixtures/mysqldump")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("01-default.sql").path) ? url : nil
    }
    /// The built `backstop` executable (debug build by default; `BACKSTOP_BIN` overrides).
    public static var backstopBinary: URL {
        if let path = ProcessInfo.processInfo.environment["BACKSTOP_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return root.appendingPathComponent(".build/debug/backstop")
    }
}
