import BackstopExtract
import BackstopModel
import Foundation
import Testing

/// Random rows go into the real MariaDB, come out through real `mariadb-dump` in several flavours, and
/// must read back equal to what the server returns (HEX() for bytes).
@Suite(.serialized, .enabled(if: MariaDB.isEnabled))
struct RoundTripPropertyTests {
    /// A seeded generator so a failure can be replayed (`BACKSTOP_PROPERTY_SEED`).
    typealias SeededGenerator = SplitMix64

    static let textPieces: [String] = [
        "'", "\"", "\\", "\\\\", "\\n", "),(", ");", "--", "/*", "*/", "#", "`", "NULL", "Привет", "Қазақстан", "₸",
        "😀", "🇰🇿",
        "𝔘", " ", "\t", "\n", "\r\n", "\u{0}", "\u{1A}", "\u{8}", "\u{7F}", "a", "Z", "0", "%", "_", ",",
        "INSERT INTO `x` VALUES (1);",
    ]

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined() }

    static func randomRow(_ id: Int, _ g: inout SeededGenerator) throws -> String {
        func maybeNull(_ s: String) -> String { Int.random(in: 0..<8, using: &g) == 0 ? "NULL" : s }
        var text = ""
        for _ in 0..<Int.random(in: 0..<12, using: &g) { text += try #require(textPieces.randomElement(using: &g)) }
        let blob = (0..<Int.random(in: 0..<40, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
        let everyByte = id % 17 == 0 ? (0...255).map { UInt8($0) } : blob
        let decimals = [
            "-0.50", "0.00", "9999999999999999999999999999.99", "-9999999999999999999999999999.99", "12345.67", "1",
        ]
        let unsigned = ["0", "18446744073709551615", "42"]
        let doubles = ["1e300", "-2.5e-10", "0", "1.5", "-1e-300", "3.141592653589793"]
        let dates = ["'0000-00-00 00:00:00'", "'2024-02-29 23:59:59'", "'1970-01-01 00:00:01'"]
        let days = ["'0000-00-00'", "'2024-12-31'"]
        // Draws from `g` in the same order as ever (each value, then its NULL coin): a recorded seed replays.
        var row = "(\(id), \(maybeNull("CONVERT(UNHEX('\(hex(Array(text.utf8)))') USING utf8mb4)")), "
        row += maybeNull("UNHEX('\(hex(everyByte))')")
        for values in [decimals, unsigned, doubles, dates, days] {
            row += ", " + maybeNull(try #require(values.randomElement(using: &g)))
        }
        return row + ")"
    }

    @Test func randomRowsSurviveRealMariadbDump() async throws {
        let seed =
            ProcessInfo.processInfo.environment["BACKSTOP_PROPERTY_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        var g = SeededGenerator(seed: seed)
        try await MariaDB.withDatabase(prefix: "bx_prop") { db in
            var sql = """
                SET SESSION sql_mode = '';
                CREATE TABLE p (ID int NOT NULL PRIMARY KEY, T longtext, B longblob, N decimal(30,2), U bigint unsigned,
                  D double, DT datetime, DA date) DEFAULT CHARSET=utf8mb4;
                INSERT INTO p VALUES

                """
            sql += try (1...300).map { try Self.randomRow($0, &g) }.joined(separator: ",\n") + ";\n"
            try await MariaDB.run("mariadb", [db], input: Data(sql.utf8))
            let expected = try await MariaDB.expectedRows(database: db, table: "p")
            #expect(expected.count == 300)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bx-prop-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let flavours: [(name: String, args: [String], gzip: Bool)] = [
                ("default", [], false),
                ("skip-extended-complete", ["--skip-extended-insert", "--complete-insert"], false),
                ("hex-blob", ["--hex-blob"], false), ("gzip", [], true),
                ("net-buffer", ["--net-buffer-length=4096"], false),
            ]
            for flavour in flavours {
                var dump = try await MariaDB.run("mariadb-dump", flavour.args + [db, "p"])
                if flavour.gzip { dump = try await runProcess("/bin/gzip", ["-c"], input: dump) }
                let url = dir.appendingPathComponent("\(flavour.name).sql\(flavour.gzip ? ".gz" : "")")
                try dump.write(to: url)
                let (rows, end) = try readAll(url, options: .init(tables: ["p"]))
                #expect(end == .complete, "seed \(seed) flavour \(flavour.name)")
                let got = bytes(of: rows["p"] ?? [])
                #expect(got.count == expected.count, "seed \(seed) flavour \(flavour.name)")
                for (n, (a, b)) in zip(got, expected).enumerated() where a != b {
                    Issue.record(
                        "seed \(seed) (replay: BACKSTOP_PROPERTY_SEED=\(seed)) flavour \(flavour.name) row \(n + 1):\n got \(a)\nwant \(b)"
                    )
                    break
                }
            }
        }
    }
}
