import BackstopModel
import BackstopPostgres
import BackstopStore
import BackstopTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct PlanStoreTests {
    /// A plan with text that needs escaping both in COPY and in JSON, every value shape, and a skip.
    func plan() -> MergePlan {
        MergePlan(
            shopID: 17008, fingerprint: "pg:1/2/cvety", endpoint: "host:5432/cvety", snapshot: "2025-10-25 03:00:00",
            partial: false, policy: ["product.missing": "bitrix", "order.field": "catalog"],
            base: MergePlan.Base(products: 40, orders: 90), bitrixChanges: 3, reported: 2,
            steps: [
                PlanStep(
                    seq: 1, phase: .products, action: .insert, entity: "product", target: 668_830, key: "668830",
                    resolves: ["product.missing"],
                    set: [
                        "name": .text("Розы\t\"красные\"\n\\ 25"), "price": .integer(495_000), "enabled": .bool(true),
                        "image": .null, "images": .texts(["https://cvety.kz/a \"1\".jpg", "https://cvety.kz/b.jpg"]),
                    ]),
                PlanStep(
                    seq: 2, phase: .products, action: .update, entity: "product", target: 668_831, key: "668831",
                    resolves: ["product.field price", "product.field name"], set: ["price": .integer(1)],
                    was: ["price": .integer(100)], version: RowVersion(xmin: 4_000_000_000, checksum: "abc")),
                PlanStep(
                    seq: 3, phase: .products, action: .skip, entity: "product", target: 668_832, key: "668832",
                    resolves: ["product.field name"], set: ["name": .text("x")], was: ["name": .text("y")],
                    version: RowVersion(xmin: 5, checksum: "d"), intended: .update, reason: "name is 250 characters"),
                PlanStep(
                    seq: 4, phase: .sequences, action: .advanceSequence, entity: "sequence", target: nil,
                    key: "public.product_id_seq", resolves: ["sequence.collision_risk"],
                    set: ["last_value": .integer(1_700_000)],
                    was: ["last_value": .integer(683_827)]),
            ])
    }

    @Test func aPlanReadsBackStepForStepWithItsOutcomes() throws {
        try TestDatabase.withConnection { db in
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(on: db, logger: TestDatabase.quietLogger)
            let run = try RunLedger(connection: db).begin(kind: "diff", arguments: [], dryRun: true, version: "test")
            let store = PlanStore(connection: db)
            let saved = try store.save(plan(), runID: run.id)
            let planID = try #require(saved.planID)
            #expect(try store.planID(ofRun: run.id) == planID)
            let loaded = try #require(try store.load(planID: planID))
            #expect(loaded.plan == saved, "every step, value and version reads back")
            #expect(loaded.status == "planned")
            #expect(
                loaded.outcomes == [3: .init(outcome: .skipped, written: nil)], "a skip has its outcome from the start")
            #expect(loaded.pending.map(\.seq) == [1, 2, 4])
            #expect(try store.matching(saved)?.plan.planID == planID, "a plan.json of this plan resumes it")
            var edited = saved
            edited.steps.removeLast()
            #expect(try store.matching(edited) == nil, "an edited plan is another plan")

            try db.transaction { _ in
                try store.recordBatch(
                    planID: planID, applyRunID: run.id, batch: 1,
                    applied: [(seq: 1, written: RowVersion(xmin: 9, checksum: "e"))],
                    conflicts: [2])
                try store.checkpoint(saved, applyRunID: run.id, batch: 1, lastSeq: 2, steps: 2)
            }
            let after = try #require(try store.load(planID: planID))
            #expect(after.outcomes[1] == .init(outcome: .applied, written: RowVersion(xmin: 9, checksum: "e")))
            #expect(after.outcomes[2]?.outcome == .conflict)
            #expect(after.pending.map(\.seq) == [4])
            #expect(try store.progress(planID: planID) == ["applied": 1, "conflict": 1, "skipped": 1, "pending": 1])
            let checkpoint = try db.execute(
                "SELECT position->>'batch', position->>'last_seq' FROM backstop.checkpoint WHERE run_id = \(run.id)")
            #expect(checkpoint.rows.first == ["1", "2"])
            let written = try db.execute("SELECT entity, target, written_xmin FROM backstop.applied_write")
            #expect(written.rows == [["product", "668830", "9"]], "the view lists what Backstop wrote last, per row")
        }
    }

    /// Steps planned against `product` rows 1…n (xmin 100 + id), for the batch-outcome tests.
    func updates(_ n: Int) -> MergePlan {
        MergePlan(
            shopID: 17008, fingerprint: "pg:1/2/cvety", endpoint: "host:5432/cvety", snapshot: "2025-10-25 03:00:00",
            partial: false, policy: [:], base: MergePlan.Base(products: n, orders: 0),
            steps: (1...n).map { id in
                PlanStep(
                    seq: id, phase: .products, action: .update, entity: "product", target: Int64(id), key: String(id),
                    resolves: ["product.field price"], set: ["price": .integer(1)], was: ["price": .integer(2)],
                    version: RowVersion(xmin: Int64(100 + id), checksum: "c\(id)"))
            })
    }

    @Test func aBatchsAppliedStepsAreOneRowThatReadsBackStepForStep() throws {
        try TestDatabase.withConnection { db in
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(on: db, logger: TestDatabase.quietLogger)
            let run = try RunLedger(connection: db).begin(kind: "apply", arguments: [], dryRun: false, version: "test")
            let store = PlanStore(connection: db)
            let saved = try store.save(updates(8), runID: run.id)
            let planID = try #require(saved.planID)
            let xid = RowVersion(xmin: 4_000_000_001, checksum: "")
            try db.transaction { _ in
                // Steps 1-3 applied by the batch's transaction, 4 a conflict.
                try store.recordBatch(
                    planID: planID, applyRunID: run.id, batch: 1,
                    applied: [(seq: 1, written: xid), (seq: 2, written: xid), (seq: 3, written: xid)], conflicts: [4])
            }
            try db.transaction { _ in
                // Image-like steps: each left its own xmin; step 7 a chained row's whole version.
                try store.recordBatch(
                    planID: planID, applyRunID: run.id, batch: 2,
                    applied: [
                        (seq: 5, written: RowVersion(xmin: 105, checksum: "")),
                        (seq: 6, written: RowVersion(xmin: 106, checksum: "")),
                        (seq: 7, written: RowVersion(xmin: 9, checksum: "whole")),
                    ], conflicts: [])
            }
            let rows = try db.execute("SELECT count(*)::int FROM backstop.batch_outcome WHERE plan_id = \(planID)")
            #expect(try rows.int(row: 0, column: 0) == 2, "one row per batch for the steps that left an xmin alone")
            let loaded = try #require(try store.load(planID: planID))
            #expect(
                loaded.outcomes == [
                    1: .init(outcome: .applied, written: xid), 2: .init(outcome: .applied, written: xid),
                    3: .init(outcome: .applied, written: xid), 4: .init(outcome: .conflict, written: nil),
                    5: .init(outcome: .applied, written: RowVersion(xmin: 105, checksum: "")),
                    6: .init(outcome: .applied, written: RowVersion(xmin: 106, checksum: "")),
                    7: .init(outcome: .applied, written: RowVersion(xmin: 9, checksum: "whole")),
                ])
            #expect(loaded.pending.map(\.seq) == [8])
            #expect(try store.progress(planID: planID) == ["applied": 6, "conflict": 1, "pending": 1])
            #expect(try store.lastBatch(planID: planID) == 2)
            let perStep = try db.execute(
                """
                SELECT seq::text, outcome, batch::text, written_xmin::text, coalesce(written_checksum, '-')
                  FROM backstop.plan_step_outcome WHERE plan_id = \(planID) ORDER BY seq
                """)
            #expect(
                perStep.rows.map { $0.map { $0 ?? "" } } == [
                    ["1", "applied", "1", "4000000001", "-"], ["2", "applied", "1", "4000000001", "-"],
                    ["3", "applied", "1", "4000000001", "-"], ["4", "conflict", "1", "", "-"],
                    ["5", "applied", "2", "105", "-"], ["6", "applied", "2", "106", "-"],
                    ["7", "applied", "2", "9", "whole"],
                ], "the view lists one row per step, as 0004's table did")
            let written = try db.execute(
                "SELECT target::text, written_xmin::text FROM backstop.applied_write ORDER BY target")
            #expect(written.rows.count == 6 && written.rows.first == ["1", "4000000001"])

            // A step that has an outcome fails the batch, whether the earlier outcome is a batch's or a step's.
            for (applied, conflicts) in [([3, 8], [Int]()), ([8], [2]), ([4, 8], []), ([], [6])] {
                #expect(throws: (any Error).self, "steps \(applied) + \(conflicts)") {
                    try db.transaction { _ in
                        try store.recordBatch(
                            planID: planID, applyRunID: run.id, batch: 3,
                            applied: applied.map { (seq: $0, written: xid) }, conflicts: conflicts)
                    }
                }
            }
            #expect(try store.load(planID: planID)?.pending.map(\.seq) == [8], "the failed batches left nothing")
            try db.execute("DELETE FROM backstop.plan WHERE id = \(planID)")
            let left = try db.execute(
                "SELECT (SELECT count(*) FROM backstop.batch_outcome) + (SELECT count(*) FROM backstop.step_outcome)")
            #expect(try left.int(row: 0, column: 0) == 0, "a deleted plan's outcomes go with it")
        }
    }

    @Test func outcomesRecordedBeforeMigration10ReadTheSameAfterIt() throws {
        try TestDatabase.withConnection { db in
            // The schema as it was before batch outcomes: migrations 1-9 only.
            let before = FileManager.default.temporaryDirectory.appendingPathComponent(
                "backstop-migrations-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: before, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: before) }
            for name in try FileManager.default.contentsOfDirectory(atPath: RepoPaths.backstopMigrations.path)
            where name.hasSuffix(".sql") && (Int(name.prefix(4)) ?? 99) <= 9 {
                try FileManager.default.copyItem(
                    at: RepoPaths.backstopMigrations.appendingPathComponent(name),
                    to: before.appendingPathComponent(name))
            }
            try Migrator(directory: before).migrate(on: db, logger: TestDatabase.quietLogger)
            let run = try RunLedger(connection: db).begin(kind: "apply", arguments: [], dryRun: false, version: "old")
            let store = PlanStore(connection: db)
            let saved = try store.save(updates(4), runID: run.id)
            let planID = try #require(saved.planID)
            try db.execute(
                """
                INSERT INTO backstop.plan_step_outcome (plan_id, seq, outcome, batch, apply_run_id, written_xmin, written_checksum)
                VALUES (\(planID), 1, 'applied', 1, \(run.id), 7, NULL), (\(planID), 2, 'applied', 1, \(run.id), 8, 'whole'),
                       (\(planID), 3, 'conflict', 1, \(run.id), NULL, NULL)
                """)

            try Migrator(directory: RepoPaths.backstopMigrations).migrate(on: db, logger: TestDatabase.quietLogger)
            let loaded = try #require(try store.load(planID: planID))
            #expect(
                loaded.outcomes == [
                    1: .init(outcome: .applied, written: RowVersion(xmin: 7, checksum: "")),
                    2: .init(outcome: .applied, written: RowVersion(xmin: 8, checksum: "whole")),
                    3: .init(outcome: .conflict, written: nil),
                ])
            #expect(try store.lastBatch(planID: planID) == 1)
            // A resumed apply records its batch beside them, and a step of the old rows cannot be recorded again.
            #expect(throws: (any Error).self) {
                try db.transaction { _ in
                    try store.recordBatch(
                        planID: planID, applyRunID: run.id, batch: 2,
                        applied: [(seq: 1, written: RowVersion(xmin: 9, checksum: "")), (seq: 4, written: nil)],
                        conflicts: [])
                }
            }
            try db.transaction { _ in
                try store.recordBatch(
                    planID: planID, applyRunID: run.id, batch: 2,
                    applied: [(seq: 4, written: RowVersion(xmin: 9, checksum: ""))], conflicts: [])
            }
            #expect(try store.progress(planID: planID) == ["applied": 3, "conflict": 1])
            let written = try db.execute(
                "SELECT target::text, written_xmin::text FROM backstop.applied_write ORDER BY target")
            #expect(written.rows == [["1", "7"], ["2", "8"], ["4", "9"]])
        }
    }
}
