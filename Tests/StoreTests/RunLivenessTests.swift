import BackstopModel
import BackstopPostgres
import BackstopStore
import BackstopTestSupport
import Foundation
import Testing

/// A `running` row is abandoned exactly when the session that began it is gone (its own advisory lock is
/// free): never while it lives, always once it died without recording an end.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct RunLivenessTests {
    @Test func aRunIsAbandonedOnlyOnceItsSessionIsGone() throws {
        try TestDatabase.withScratchDatabase(prefix: "live") { conninfo in
            let admin = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(on: admin, logger: TestDatabase.quietLogger)
            let live = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            let dying = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            let a = try RunLedger(connection: live).begin(kind: "diff", arguments: [], dryRun: true, version: "t")
            let b = try RunLedger(connection: dying).begin(kind: "nightly", arguments: [], dryRun: true, version: "t")
            var c = try RunLedger(connection: admin).begin(kind: "apply", arguments: [], dryRun: false, version: "t")
            try RunLedger(connection: admin).finish(
                &c, status: .stopped, exitCode: .terminated, counts: [:], reportDirectory: nil, error: "signal 15",
                signal: 15)
            let ledger = RunLedger(connection: admin)
            #expect(try ledger.markAbandoned(by: c.id).isEmpty, "both sessions live")
            dying.close()
            var marked: [Int64] = []
            let gone = try eventually {
                marked = try ledger.markAbandoned(by: c.id)
                return !marked.isEmpty
            }
            #expect(gone && marked == [b.id], "only the run whose session ended")
            #expect(try ledger.run(id: b.id)?.status == .abandoned)
            #expect(try ledger.run(id: b.id)?.finishedAt != nil)
            #expect(try ledger.run(id: b.id)?.error?.contains("noticed by run \(c.id)") == true)
            #expect(try ledger.run(id: a.id)?.status == .running)
            #expect(try ledger.run(id: c.id)?.status == .stopped, "a finished run is left alone")
            #expect(
                try admin.execute("SELECT signal FROM backstop.run WHERE id = \(c.id)").string(row: 0, column: 0)
                    == "15")
            live.close()
        }
    }

    /// Polls `condition` until it holds (a closed session's locks go with the backend, a moment later).
    func eventually(_ condition: () throws -> Bool) throws -> Bool {
        for _ in 0..<200 {
            if try condition() { return true }
            usleep(25_000)
        }
        return false
    }
}
