public import Foundation
import Logging
import Subprocess
import SystemPackage

/// A private MariaDB server reached through its socket with the real `mariadb` and `mariadb-dump` clients.
public struct MariaDB: Sendable {
    /// The server socket.
    public var socket: String

    /// Uses the server at `socket`.
    public init(socket: String) { self.socket = socket }

    /// Runs `mariadb` with `sql` on standard input and returns standard output.
    @discardableResult
    public func execute(_ sql: String, database: String? = nil, extraArguments: [String] = []) async throws -> String {
        var args = ["--no-defaults", "-S", socket, "-uroot", "--batch", "--skip-column-names"] + extraArguments
        if let database { args.append(database) }
        return try await Self.run("mariadb", args, stdin: Data(sql.utf8))
    }

    /// Runs `mariadb-dump` with `arguments` for `database`, writing standard output to `output`; with
    /// `completedAt` (seconds since 1970 as wall-clock time) it runs under libfaketime, so its
    /// `-- Dump completed on` footer is that instant.
    ///
    /// - Throws: ``WorldGenError`` when `faketime` is needed but not installed (Debian package `faketime`).
    public func dump(database: String, arguments: [String], to output: URL, completedAt: Int? = nil) async throws {
        let args = ["--no-defaults", "-S", socket, "-uroot"] + arguments + [database]
        guard let completedAt else {
            try await Self.run("mariadb-dump", args, stdoutFile: output)
            return
        }
        guard let faketime = Self.which("faketime") else {
            throw WorldGenError(
                .tool,
                "faketime not found: install the Debian package `faketime` (make setup); "
                    + "mariadb-dump must run at the world's snapshot time")
        }
        var stamp = [UInt8]()
        stamp.append(dateTime: completedAt)
        // TZ=UTC: the stamp is read and the footer printed in the same zone; a frozen clock (no '@').
        try await Self.run(
            "env", ["TZ=UTC", faketime, "-f", String(decoding: stamp, as: UTF8.self), "mariadb-dump"] + args,
            stdoutFile: output)
    }

    /// The absolute path of `tool` on `PATH`, if it is there.
    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Creates a uniquely named, empty database.
    public func createScratchDatabase(prefix: String) async throws -> String {
        let name = "\(prefix)_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
        try await execute("CREATE DATABASE `\(name)` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;")
        return name
    }

    /// Drops a database if it exists.
    public func drop(database: String) async {
        _ = try? await execute("DROP DATABASE IF EXISTS `\(database)`;")
    }

    /// `CHECKSUM TABLE` of each table, by name.
    public func checksums(database: String, tables: [String]) async throws -> [String: String] {
        let out = try await execute(
            "CHECKSUM TABLE " + tables.map { "`\($0)`" }.joined(separator: ", ") + ";", database: database)
        var result: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            if parts.count == 2, let table = parts[0].split(separator: ".").last {
                result[String(table)] = String(parts[1])
            }
        }
        return result
    }

    /// Runs `tool` (found on `PATH`) with `stdin` on its standard input, writing standard output to
    /// `stdoutFile` or returning it; standard error is read at the same time (swift-subprocess), so no pipe
    /// can fill up.
    ///
    /// - Throws: ``WorldGenError`` with code `tool` and the tool's standard error when it exits non-zero.
    @discardableResult
    static func run(_ tool: String, _ args: [String], stdin: Data? = nil, stdoutFile: URL? = nil) async throws -> String
    {
        let input = stdin ?? Data()
        let status: TerminationStatus
        let errors: Data
        var output = Data()
        if let stdoutFile {
            let file = try FileDescriptor.open(
                FilePath(stdoutFile.path), .writeOnly, options: [.create, .truncate],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
            let result = try await Subprocess.run(
                .name(tool), arguments: Arguments(args), input: .data(input),
                output: .fileDescriptor(file, closeAfterSpawningProcess: true), error: .data(limit: 16 << 20))
            (status, errors) = (result.terminationStatus, result.standardError)
        } else {
            let result = try await Subprocess.run(
                .name(tool), arguments: Arguments(args), input: .data(input), output: .data(limit: 1 << 30),
                error: .data(limit: 16 << 20))
            (status, errors, output) = (result.terminationStatus, result.standardError, result.standardOutput)
        }
        guard status.isSuccess else {
            throw WorldGenError(.tool, "\(tool) failed (\(status)): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension MariaDB {
    /// Creates the Bitrix tables from their install DDL and loads the `LOAD DATA` files.
    func loadBitrix(database: String, tsvDirectory: URL, logger: Logger) async throws {
        var sql = "SET SESSION sql_mode = ''; SET time_zone = '+00:00';\n"
        for table in BitrixTable.allCases { sql += table.installDDL + "\n" }
        for table in BitrixTable.allCases {
            let path = tsvDirectory.appendingPathComponent("\(table.name).tsv").path
            sql += "LOAD DATA LOCAL INFILE '\(path)' INTO TABLE `\(table.name)` CHARACTER SET utf8mb4;\n"
        }
        try await execute(sql, database: database, extraArguments: ["--local-infile=1"])
        logger.debug("loaded Bitrix tables into MariaDB", metadata: ["mariadb.database": "\(database)"])
    }
}
