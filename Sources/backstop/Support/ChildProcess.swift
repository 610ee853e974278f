import Foundation
import Glibc

/// Runs a helper program (scripts/localpg.sh) with this process's stdin, stdout and stderr and nothing else.
///
/// Foundation's `Process` lets the child inherit descriptors the parent opened without close-on-exec; a
/// daemon the child starts (the PostgreSQL server of `backstop db up`) then keeps them open forever, and
/// whoever waits for end-of-file on them (`backstop db up | cat`, `make demo | tee log`) waits forever.
/// `posix_spawn` with every descriptor above 2 closed in the child, and `waitpid`, leave nothing behind.
enum ChildProcess {
    /// Runs `path` with `arguments` and returns its exit status (128 + signal when a signal ended it).
    ///
    /// The child inherits the environment and descriptors 0–2; every other descriptor open here (listed
    /// just before the spawn) is closed in the child. The call blocks until the child exits, retrying
    /// `waitpid` on `EINTR`.
    ///
    /// - Parameters:
    ///   - path: The program's absolute path (no `PATH` lookup).
    ///   - arguments: Its arguments, without the program name.
    /// - Returns: The exit status, as a shell reports it.
    /// - Throws: ``CLIError`` when the program cannot be started.
    static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in openDescriptors() where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard status == 0 else {
            throw CLIError("cannot start \(path): \(String(cString: strerror(status)))")
        }
        var result: Int32 = 0
        while waitpid(pid, &result, 0) < 0 {
            guard errno == EINTR else { throw CLIError("waiting for \(path): \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = result & 0x7F
        return signal == 0 ? (result >> 8) & 0xFF : 128 + signal
    }

    /// The descriptors open in this process (from /proc/self/fd), read before spawning.
    /// - Returns: The descriptor numbers, ascending (the listing's own descriptor among them, already
    ///   closed again, which the child's close ignores); 3–255 when `/proc` is not mounted.
    static func openDescriptors() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else {
            return Array(3..<256)  // no /proc: close a generous range (closing a closed descriptor is harmless)
        }
        return names.compactMap { Int32($0) }.sorted()
    }
}
