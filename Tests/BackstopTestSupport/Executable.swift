public import Foundation
import Subprocess
import SystemPackage

/// Runs a built executable of this package, or any program, with swift-subprocess and captures its exit
/// status, standard output and standard error (both read concurrently, so neither pipe can fill up).
public enum Executable {
    /// The result of one run.
    public struct Result: Sendable {
        /// The exit status (128 + the signal for a process killed by one).
        public var status: Int32
        /// Standard output, decoded as UTF-8.
        public var out: String
        /// Standard error, decoded as UTF-8.
        public var err: String
    }

    /// A program that exited with a non-zero status, with its standard error.
    public struct Failure: Error, CustomStringConvertible {
        /// The command line and what the program said on standard error.
        public var description: String
    }

    /// The libpq and Backstop connection variables: removed by default, so a test never reaches a server
    /// it did not name.
    public static let connectionVariables = [
        "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "DATABASE_URL", "BACKSTOP_CATALOG", "BACKSTOP_CONFIG",
    ]

    /// Runs any program by path (e.g. `faketime` wrapping a built binary), with the same environment rules.
    public static func runProgram(
        _ path: String, _ arguments: [String], environment: [String: String] = [:],
        removing: [String] = connectionVariables
    ) async throws -> Result {
        let (status, out, err) = try await launch(
            path, arguments, environment: environment, removing: removing, input: nil)
        return Result(
            status: status, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    /// Runs `name` (`backstop`, `worldgen`) from the build folder of ``RepoPaths/backstopBinary``.
    ///
    /// - Parameters:
    ///   - name: the executable's name.
    ///   - arguments: its arguments.
    ///   - environment: added to this process's environment.
    ///   - removing: variables dropped first (by default ``connectionVariables``).
    /// - Returns: the exit status and what the program printed.
    /// - Throws: when the program cannot be started.
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:],
        removing: [String] = connectionVariables
    ) async throws -> Result {
        try await runProgram(
            RepoPaths.backstopBinary.deletingLastPathComponent().appendingPathComponent(name).path, arguments,
            environment: environment, removing: removing)
    }

    /// The standard output of a program that must succeed, with `input` on its standard input.
    /// - Throws: ``Failure`` with the program's standard error when it exits non-zero.
    @discardableResult
    public static func output(of path: String, _ arguments: [String], input: Data? = nil) async throws -> Data {
        let (status, out, err) = try await launch(path, arguments, environment: [:], removing: [], input: input)
        guard status == 0 else {
            throw Failure(
                description: "\(([path] + arguments.prefix(6)).joined(separator: " ")) failed (\(status)): "
                    + String(decoding: err, as: UTF8.self))
        }
        return out
    }

    static func launch(
        _ path: String, _ arguments: [String], environment: [String: String], removing: [String], input: Data?
    ) async throws -> (Int32, Data, Data) {
        var overrides: [Subprocess.Environment.Key: String?] = [:]
        for key in removing { overrides[.init(stringLiteral: key)] = .some(nil) }
        for (key, value) in environment { overrides[.init(stringLiteral: key)] = value }
        let result = try await Subprocess.run(
            .path(FilePath(path)), arguments: Arguments(arguments), environment: .inherit.updating(overrides),
            input: .data(input ?? Data()), output: .data(limit: 1 << 30), error: .data(limit: 1 << 30))
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        return (status, result.standardOutput, result.standardError)
    }
}
