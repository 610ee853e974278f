import Foundation

/// Checks a dump path before a run starts, so a wrong one is a usage error (exit 64) naming it rather than a
/// failed run: `-` (standard input), a readable regular file, a pipe or character device (streamed, and
/// failed fast when its first MiB holds no dump statement), or a folder of a known layout (mydumper's
/// `metadata`, or `--tab` `.txt` files).
public enum DumpPaths {
    /// What is wrong with `path` as a dump, or `nil` when it can be read as one.
    /// - Parameter path: A `--dump` value or a `bitrix.dumps` entry.
    /// - Returns: The problem, in a few words.
    public static func problem(with path: String) -> String? {
        if path == "-" { return nil }
        if path.isEmpty { return "an empty path" }
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)).lowercased() }
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO, S_IFCHR:
            return access(path, R_OK) == 0 ? nil : "not readable (\(String(cString: strerror(errno)).lowercased()))"
        case S_IFDIR:
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                return "a folder that cannot be listed"
            }
            if names.contains("metadata") || names.contains(where: { $0.hasSuffix(".txt") }) { return nil }
            return "a folder, but not a dump folder (no mydumper `metadata` file and no --tab `.txt` files)"
        default:
            return "not a file, folder, pipe or -"
        }
    }
}
