import Glibc

/// CPU time as the benchmarks (`scripts/bench/*.sh`) measure it: this process's, and a PostgreSQL backend's
/// on the same machine, so a bench can report rows per CPU second of client and server together. The one
/// copy of these readings for every bench executable.
public enum CPUTime {
    /// User + system CPU seconds of this process. The corresponding C function is `getrusage`.
    /// - Returns: Seconds since the process started.
    public static func process() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// User + system CPU seconds of a process on this machine (`utime` + `stime`, fields 14 and 15 of
    /// `/proc/<pid>/stat`): a server backend's, by its `pg_backend_pid()`.
    /// - Parameter pid: The process.
    /// - Returns: The seconds, or `nil` when they cannot be read (the server runs elsewhere, the process is
    ///   gone).
    public static func of(pid: Int) -> Double? {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the command name (in parentheses, may hold spaces and parentheses): fields[0] is field 3
        // (state), so utime and stime are fields[11] and fields[12].
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
