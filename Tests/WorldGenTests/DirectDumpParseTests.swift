import BackstopExtract
import BackstopTestSupport
import BackstopWorldGen
import Foundation
import Testing

/// The direct dump writer and the real mariadb-dump, compared through the project's own parser: both files
/// read with `DumpReader` give the same tables (names, columns, declared types) and the same rows, value by
/// value, in the same order. Complements the byte comparison of `DirectDumpTests`: it still holds across a
/// harmless formatting difference, and it proves that BackstopExtract reads the direct writer's output (the
/// only dump of the m and l worlds) exactly as it reads mariadb-dump's.
@Suite(.enabled(if: WorldFixture.mariadbEnabled, "needs BACKSTOP_TEST_MARIADB_SOCKET"))
struct DirectDumpParseTests {
    /// Reads both dumps in lockstep (constant memory, so the s world's dumps are compared whole) and
    /// records the first few differences; returns the number of rows compared per table.
    @discardableResult
    static func expectSameRows(_ realURL: URL, _ directURL: URL, label: String) throws -> [String: Int] {
        let real = try DumpReader(url: realURL, logger: TestDatabase.quietLogger)
        let direct = try DumpReader(url: directURL, logger: TestDatabase.quietLogger)
        /// The next table, row or end event (`USE` lines are not data).
        func next(_ reader: DumpReader) throws -> DumpEvent? {
            while let event = try reader.next() {
                if case .database = event { continue }
                return event
            }
            return nil
        }
        var rows: [String: Int] = [:]
        var differences = 0
        func differ(_ message: String) {
            differences += 1
            if differences <= 5 { Issue.record("\(label): \(message)") }
        }
        while true {
            let a = try next(real)
            let b = try next(direct)
            switch (a, b) {
            case (nil, nil):
                #expect(differences == 0, "\(label): \(differences) differences")
                return rows
            case (.table(let x)?, .table(let y)?):
                if x.name != y.name || x.columns.names != y.columns.names || x.types != y.types {
                    differ("CREATE TABLE \(x.name) (\(x.types)) vs \(y.name) (\(y.types))")
                }
            case (.row(let x)?, .row(let y)?):
                let count = rows[x.table, default: 0] + 1
                rows[x.table] = count
                if x.table != y.table || x.values != y.values {
                    differ("\(x.table) row \(count): \(x.values) vs \(y.table) \(y.values)")
                }
            case (.end(let x)?, .end(let y)?):
                #expect(x == .complete && y == .complete, "\(label): completion \(x) vs \(y)")
            default:
                differ(
                    "event mismatch after \(rows): \(String(describing: a).prefix(200)) vs "
                        + "\(String(describing: b).prefix(200))")
                return rows
            }
        }
    }

    /// A fresh tiny world through MariaDB and the same seed through the direct writer only.
    @Test func tinyDirectDumpParsesToTheSameRows() async throws {
        let socket = try WorldFixture.requireSocket()
        let real = try await WorldFixture.tinyWorld(seed: 3, socket: socket)
        defer { try? FileManager.default.removeItem(at: real) }
        let direct = try await WorldFixture.tinyWorld(seed: 3, socket: nil)
        defer { try? FileManager.default.removeItem(at: direct) }
        let rows = try Self.expectSameRows(
            real.appendingPathComponent("bitrix/dump.sql"), direct.appendingPathComponent("bitrix/dump.sql"),
            label: "tiny")
        #expect(Set(rows.keys) == Set(BitrixTable.allCases.map(\.name)), "every table has rows")
        #expect(rows.values.reduce(0, +) > 1_000, "tiny world too small to mean anything")
    }

    /// The `s` world of scripts/test.d/10-world.sh keeps both outputs (dump.sql from mariadb-dump,
    /// dump-direct.sql from the direct writer): every row of every table must agree.
    @Test(.enabled(if: WorldFixture.sWorld != nil, "needs the s world of scripts/test.d/10-world.sh"))
    func sWorldDirectDumpParsesToTheSameRows() throws {
        let world = try #require(WorldFixture.sWorld)
        let rows = try Self.expectSameRows(
            world.appendingPathComponent("bitrix/dump.sql"), world.appendingPathComponent("bitrix/dump-direct.sql"),
            label: "s")
        #expect(rows.values.reduce(0, +) > 500_000)
    }
}
