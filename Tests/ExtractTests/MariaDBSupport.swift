import BackstopExtract
import BackstopTestSupport
import Foundation
import InMemoryLogging
import Logging
import Testing

/// The test MariaDB server (`BACKSTOP_TEST_MARIADB_SOCKET`) and its command-line clients.
///
/// Tests that need it are `.enabled(if: MariaDB.isEnabled)`: they skip without a socket, but with
/// `BACKSTOP_REQUIRE_MARIADB=1` (make test, CI) they run and fail when the socket is missing.
enum MariaDB {
    static var socket: String? {
        let value = ProcessInfo.processInfo.environment["BACKSTOP_TEST_MARIADB_SOCKET"]
        return value?.isEmpty == false ? value : nil
    }

    static var isEnabled: Bool {
        socket != nil || ProcessInfo.processInfo.environment["BACKSTOP_REQUIRE_MARIADB"] == "1"
    }

    /// Whether tests that read the built dump fixtures run: when they are built, or when MariaDB is
    /// required (`make test` builds them first, so a missing folder there fails instead of skipping).
    static var fixturesEnabled: Bool { RepoPaths.mysqldumpFixturesBuilt || isEnabled }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func requireSocket() throws -> String {
        guard let socket else {
            throw Failure(description: "BACKSTOP_REQUIRE_MARIADB=1 but BACKSTOP_TEST_MARIADB_SOCKET is not set")
        }
        return socket
    }

    /// Runs `tool` (`mariadb`, `mariadb-dump`) against the test server; returns stdout.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], input: Data? = nil) async throws -> Data {
        let socket = try requireSocket()
        return try await runProcess(
            "/usr/bin/env", [tool, "--no-defaults", "-S", socket, "-uroot"] + arguments, input: input)
    }

    /// A fresh database named `prefix_<random>`, dropped after `body`.
    static func withDatabase<R>(prefix: String = "bx_ext", _ body: (String) async throws -> R) async throws -> R {
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        try await run("mariadb", ["-e", "CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"])
        do {
            let result = try await body(name)
            _ = try? await run("mariadb", ["-e", "DROP DATABASE IF EXISTS `\(name)`"])
            return result
        } catch {
            _ = try? await run("mariadb", ["-e", "DROP DATABASE IF EXISTS `\(name)`"])
            throw error
        }
    }

    /// Every row of `table` as read by the real client: numbers as the server prints them, everything
    /// else through HEX() so bytes survive; zero dates in date columns become NULL (the documented
    /// mapping).
    static func expectedRows(database: String, table: String) async throws -> [[[UInt8]?]] {
        let columns = try await run(
            "mariadb",
            [
                "--batch", "--raw", "--skip-column-names", "-e",
                "SELECT COLUMN_NAME, DATA_TYPE, IFNULL(NUMERIC_PRECISION, 0) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='\(database)' AND TABLE_NAME='\(table)' ORDER BY ORDINAL_POSITION",
            ])
        let specs = String(decoding: columns, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "\t").map(String.init)
        }
        let numeric: Set<String> = [
            "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year",
        ]
        let dates: Set<String> = ["date", "datetime", "timestamp"]
        let select = specs.map { spec in
            if numeric.contains(spec[1]) { return "`\(spec[0])`" }
            // HEX(bit) drops leading zero nibbles: pad to the column's byte width.
            if spec[1] == "bit" { return "LPAD(HEX(`\(spec[0])`), 2 * CEIL(\(spec[2]) / 8), '0')" }
            return "HEX(`\(spec[0])`)"
        }.joined(separator: ", ")
        let order = specs.contains { $0[0] == "ID" } ? " ORDER BY ID" : ""
        let out = try await run(
            "mariadb",
            ["--batch", "--raw", "--skip-column-names", "-e", "SELECT \(select) FROM `\(database)`.`\(table)`\(order)"])
        return out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { line in
            line.split(separator: 0x09, omittingEmptySubsequences: false).enumerated().map { n, field -> [UInt8]? in
                let text = Array(field)
                if text == Array("NULL".utf8) { return nil }
                if numeric.contains(specs[n][1]) { return text }
                let bytes = unhex(text)
                if dates.contains(specs[n][1]), bytes.count >= 10, bytes.allSatisfy({ "0-: .".utf8.contains($0) }) {
                    return nil
                }
                return bytes
            }
        }
    }

    static func unhex(_ hex: [UInt8]) -> [UInt8] {
        func v(_ b: UInt8) -> UInt8 { b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10 }
        return stride(from: 0, to: hex.count - 1, by: 2).map { v(hex[$0]) << 4 | v(hex[$0 + 1]) }
    }
}

/// Runs a process (swift-subprocess) and returns its standard output; throws with its stderr when it fails.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], input: Data? = nil) async throws -> Data {
    try await Executable.output(of: executable, arguments, input: input)
}

extension Logger {
    /// A logger whose entries `handler` keeps (swift-log's own in-memory handler; tests assert on warnings).
    static func capturing() -> (Logger, InMemoryLogHandler) {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        return (Logger(label: "backstop.test") { _ in handler }, handler)
    }

    static var quiet: Logger { Logger(label: "backstop.test") { _ in SwiftLogNoOpLogHandler() } }
}

extension InMemoryLogHandler {
    /// The entries at `warning` and above.
    var warnings: [Entry] { entries.filter { $0.level >= .warning } }
}

/// Reads every event of `url`; rows grouped by table.
func readAll(_ url: URL, options: DumpReader.Options = .init()) throws -> (
    rows: [String: [DumpRow]], end: DumpCompletion?
) {
    let reader = try DumpReader.open(url, options: options, logger: .quiet)
    return try drain(reader)
}

func drain(_ reader: any DumpEventStream) throws -> (rows: [String: [DumpRow]], end: DumpCompletion?) {
    var rows: [String: [DumpRow]] = [:]
    var end: DumpCompletion?
    while let event = try reader.next() {
        switch event {
        case .row(let row): rows[row.table, default: []].append(row)
        case .end(let completion): end = completion
        default: break
        }
    }
    return (rows, end)
}

/// The values of rows as comparable byte arrays (`nil` = NULL).
func bytes(of rows: [DumpRow]) -> [[[UInt8]?]] { rows.map { $0.values.map(\.rawBytes) } }
