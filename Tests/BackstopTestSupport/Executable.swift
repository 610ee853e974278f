import Foundation

/// Runs a built executable of this package and captures its exit status, stdout and stderr.
public enum Executable {
    /// The result of one run.
    public struct Result: Sendable {
        /// The exit status.
        public var status: Int32
        /// Standard output, decoded as UTF-8.
        public var out: String
        /// Standard error, decoded as UTF-8.
        public var err: String
    }

    /// Runs any program by path (e.g. `faketime` wrapping a built binary), with the same environment rules.
    public static func runProgram(
        _ path: String, _ arguments: [String], environment: [String: String] = [:],
        removing: [String] = ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "DATABASE_URL", "BACKSTOP_CATALOG", "BACKSTOP_CONFIG"]
    ) throws -> Result {
        try run(URL(fileURLWithPath: path), arguments, environment: environment, removing: removing)
    }

    /// Runs `name` (`backstop`, `worldgen`) from the build folder of ``RepoPaths/backstopBinary``.
    ///
    /// - Parameters:
    ///   - environment: added to this process's environment; `removing` names variables to drop first
    ///     (by default the libpq and Backstop connection variables, so a test never reaches a server it
    ///     did not name).
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:],
        removing: [String] = ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "DATABASE_URL", "BACKSTOP_CATALOG", "BACKSTOP_CONFIG"]
    ) throws -> Result {
        try run(
            RepoPaths.backstopBinary.deletingLastPathComponent().appendingPathComponent(name), arguments,
            environment: environment, removing: removing)
    }

    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], removing: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in removing { env[key] = nil }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and block the child.
        let errBox = DataBox()
        let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errBox.isDone { usleep(1000) }
        return Result(
            status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
            err: String(decoding: errBox.data ?? Data(), as: UTF8.self))
    }
}

/// A value handed from the stderr reader thread (written once, then read after `isDone`).
private final class DataBox: @unchecked Sendable {  // one writer, one reader after the lock-protected flag
    private let lock = NSLock()
    private var stored: Data?
    var data: Data? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    var isDone: Bool { lock.withLock { stored != nil } }
}
