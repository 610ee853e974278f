public import Foundation

/// Finds Backstop's shipped files (`sql/`, `scripts/`, `data/`): the `BACKSTOP_HOME` environment
/// variable, else the nearest ancestor of the executable or of the working directory that holds
/// `sql/backstop`, else `<prefix>/share/backstop` next to an installed binary.
public struct ProjectPaths: Sendable {
    /// The folder holding `sql/`, `scripts/` and `data/`.
    public var root: URL

    /// Uses an explicit root.
    public init(root: URL) { self.root = root }

    /// Locates the root as described on the type, or `nil` when nothing is found.
    ///
    /// Up to eight parent folders of each start are tried, so `.build/debug/backstop` in a checkout and
    /// `/usr/local/bin/backstop` with `/usr/local/share/backstop` are both found.
    /// - Parameter environment: Where `BACKSTOP_HOME` is read (the process's environment by default).
    /// - Returns: The paths, or `nil`; callers turn that into an error that names `BACKSTOP_HOME`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> ProjectPaths? {
        if let home = environment["BACKSTOP_HOME"], !home.isEmpty {
            return ProjectPaths(root: URL(fileURLWithPath: home))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        let starts = [
            executable.deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        ]
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent("sql/backstop").path) {
                    return ProjectPaths(root: dir)
                }
                let installed = dir.appendingPathComponent("share/backstop")
                if FileManager.default.fileExists(atPath: installed.appendingPathComponent("sql/backstop").path) {
                    return ProjectPaths(root: installed)
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// `sql/backstop`: Backstop's numbered migrations.
    public var backstopMigrations: URL { root.appendingPathComponent("sql/backstop") }
    /// `sql/catalog`: the upstream catalog schema.
    public var catalogSchema: URL { root.appendingPathComponent("sql/catalog") }
    /// `scripts/localpg.sh`: the embedded PostgreSQL manager.
    public var localPostgresScript: URL { root.appendingPathComponent("scripts/localpg.sh") }
    /// `data/`: bundled sample data.
    public var data: URL { root.appendingPathComponent("data") }
}
