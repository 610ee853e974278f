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

    /// Spawns `executable` with stdout and stderr on pipes and no other descriptor of this process: with
    /// Foundation's `Process`, a daemon the child starts (a PostgreSQL server) inherits a descriptor the
    /// parent waits on, and the run never ends.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], removing: [String]) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for key in removing { env[key] = nil }
        env.merge(environment) { $1 }
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw SpawnError(errno: errno, path: executable.path) }
        // Close-on-exec, so a concurrent spawn in another test cannot inherit them (pipe2 is not imported).
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
        for fd in open.sorted() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        close(out[1])
        close(err[1])
        guard spawned == 0 else {
            close(out[0])
            close(err[0])
            throw SpawnError(errno: spawned, path: executable.path)
        }
        let (outData, errData) = drain(out[0], err[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return Result(
            status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal, out: String(decoding: outData, as: UTF8.self),
            err: String(decoding: errData, as: UTF8.self))
    }

    /// Reads both pipes until both are at end of file (poll, so neither can fill up and block the child),
    /// then closes them.
    static func drain(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
        var data: [[UInt8]] = [[], []]
        var fds = [pollfd(fd: first, events: Int16(POLLIN), revents: 0), pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while fds.contains(where: { $0.fd >= 0 }) {
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    data[i] += buffer[0..<n]
                } else if n == 0 || errno != EINTR {
                    close(fds[i].fd)
                    fds[i].fd = -1
                }
            }
        }
        return (data[0], data[1])
    }
}

/// A program could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    /// The errno.
    public var errno: Int32
    /// The program.
    public var path: String
    /// `cannot start PATH: reason`.
    public var description: String { "cannot start \(path): \(String(cString: strerror(errno)))" }
}
