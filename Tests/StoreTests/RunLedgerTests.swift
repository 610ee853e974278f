import BackstopModel
import BackstopPostgres
import BackstopStore
import BackstopTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct RunLedgerTests {
    @Test func aRunIsRecordedWithItsDiscrepancies() throws {
        try TestDatabase.withConnection { db in
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(on: db, logger: TestDatabase.quietLogger)
            let ledger = RunLedger(connection: db)
            var run = try ledger.begin(
                kind: "nightly", arguments: ["nightly", "--dump", "a b.sql"], dryRun: true, version: "test")
            #expect(run.status == .running)
            let found = [
                Discrepancy(
                    kind: .productMissing, key: "698868", bitrixValue: "Розы\t\"красные\"\n\\", probableCause: "lost"),
                Discrepancy(
                    kind: .productField, key: "698869", field: "price", bitrixValue: "4950.00", catalogValue: "0.00"),
                Discrepancy(
                    kind: .orderStatusUnmapped, key: "122140", bitrixValue: "TR", catalogValue: nil, severity: .warning),
            ]
            #expect(try ledger.record(found, for: run) == 3)
            try ledger.finish(&run, status: .drift, exitCode: .drift, counts: ["total": 3], reportDirectory: "/tmp/r")
            let recent = try ledger.recent(limit: 5)
            #expect(recent.first?.id == run.id)
            #expect(recent.first?.status == .drift)
            #expect(recent.first?.exitCode == 2)
            #expect(recent.first?.counts["total"] == 3)
            #expect(try ledger.recent(kind: "diff").isEmpty)
            #expect(try ledger.discrepancies(of: run.id) == found)
        }
    }
}
