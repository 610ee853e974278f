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
    /// `../shared/fixtures/mysqldump`.
    public static var mysqldumpFixtures: URL { shared.appendingPathComponent("fixtures/mysqldump") }
    /// The built `backstop` executable (debug build by default; `BACKSTOP_BIN` overrides).
    public static var backstopBinary: URL {
        if let path = ProcessInfo.processInfo.environment["BACKSTOP_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return root.appendingPathComponent(".build/debug/backstop")
    }
}
