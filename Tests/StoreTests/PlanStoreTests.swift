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
}
