import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// `backstop apply` and `nightly --apply` end to end: the built binary against a real catalog.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct ApplyTests {
    let tiny = RepoPaths.data.appendingPathComponent("tiny")

    func withCatalog(_ world: URL, _ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase(prefix: "apply") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(migrate.status == 0, "\(migrate.err)")
            try await body(conninfo)
        }
    }

    func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    /// The tiny world's plain dump.
    var tinyDump: String { tiny.appendingPathComponent("bitrix/dump.sql").path }

    /// Diffs the tiny world into the scratch catalog with ``thresholdConfig(_:softDeletes:updates:)``, the
    /// reports under a temporary `out`, expecting drift (exit 2): run 1's plan, which the test then applies.
    /// - Returns: The configuration file's path.
    func diffTiny(_ conninfo: String, out: String) async throws -> String {
        let config = try thresholdConfig()
        let diff = try await backstop([
            "diff", "--config", config, "--catalog", conninfo, "--dump", tinyDump, "--out", temporary(out).path,
        ])
        #expect(diff.status == 2, "\(diff.err)")
        return config
    }

    // MARK: Done when: diff → apply → diff on the s world

    @Test(.enabled(if: TestWorlds.sIsUsable, "needs the s world (make test generates it: scripts/test.d/10-world.sh)"))
    func onTheSWorldDiffApplyDiffLeavesNothingActionableAndTouchesNoOtherRow() async throws {
        let world = TestWorlds.s
        try #require(TestWorlds.sIsPresent, "make test generates the s world first (scripts/test.d/10-world.sh)")
        try await withCatalog(world) { conninfo in
            let dump = world.appendingPathComponent("bitrix/dump.sql").path
            let before = try CatalogRows.read(conninfo)
            let first = temporary("apply-s-first")
            let diff = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", first.path])
            #expect(diff.status == 2, "\(diff.err)")
            let found = try findings(first)
            let actionable = found.filter { writeActions.contains($0.value) }
            #expect(actionable.count > 150, "the s world plants every fixable kind")
            #expect(FileManager.default.fileExists(atPath: first.appendingPathComponent("plan.json").path))
            let bitrixSide = try String(
                contentsOf: first.appendingPathComponent("bitrix_changes.ndjson"), encoding: .utf8)
            #expect(bitrixSide.split(separator: "\n").count == found.values.count { $0 == "bitrix_change" })
            #expect(try CatalogRows.read(conninfo) == before, "a diff writes nothing")

            // Two writers and small batches: many waves, several batches of each kind at once.
            let apply = try await backstop([
                "apply", "--catalog", conninfo, "--run", "1", "--yes", "--workers", "2", "--batch-size", "25",
            ])
            #expect(apply.status == 0, "\(apply.out)\(apply.err)")
            #expect(apply.out.contains("(0 conflicts"), "\(apply.out)")
            let planned = try PlannedRows.read(conninfo, run: 1)
            let after = try CatalogRows.read(conninfo)

            // Every row no step names is byte-identical; rows come and go only where a step says so.
            var unnamed = 0
            for (key, row) in before.rows where !planned.names(key, row) {
                unnamed += 1
                #expect(after.rows[key] == row, "\(key) changed although no step names it")
            }
            #expect(unnamed > 25_000, "the comparison covers the whole catalog")
            for (key, row) in after.rows where before.rows[key] == nil {
                #expect(planned.names(key, row), "\(key) appeared although no step names it")
            }
            // The other shop's rows: none named, all identical.
            let otherShop = before.rows.filter { $0.value.shop != nil && $0.value.shop != 17008 }
            #expect(otherShop.count >= 20, "shop 8 (the webhook's) has its own products")
            for (key, row) in otherShop {
                #expect(!planned.names(key, row) && after.rows[key] == row, "\(key) of another shop")
            }
            let changed = before.rows.filter { after.rows[$0.key] != $0.value }.count
            #expect(changed > 100, "the named rows did change")

            // Diff again: nothing actionable, and exactly the findings that were not actionable.
            let second = temporary("apply-s-second")
            let again = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", second.path])
            #expect(again.status == 2, "report and Bitrix-side findings remain: \(again.err)")
            let left = try findings(second)
            #expect(
                left.filter { writeActions.contains($0.value) }.isEmpty,
                "\(left.filter { writeActions.contains($0.value) })")
            #expect(left == found.filter { !writeActions.contains($0.value) }, "the apply created no new finding")

            // A second apply, of either plan, is a no-op.
            let rerun = try await backstop(["apply", "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(rerun.status == 0 && rerun.out.contains("applied 0 steps"), "\(rerun.out)\(rerun.err)")
            let fromFile = try await backstop(
                ["apply", "--catalog", conninfo, "--plan", first.appendingPathComponent("plan.json").path, "--yes"])
            #expect(fromFile.status == 0 && fromFile.out.contains("applied 0 steps"), "\(fromFile.out)\(fromFile.err)")
            let secondRun = try #require(try sql(conninfo, "SELECT max(run_id) FROM backstop.plan").first?[0])
            let empty = try await backstop(["apply", "--catalog", conninfo, "--run", secondRun, "--yes"])
            #expect(empty.status == 0 && empty.out.contains("applied 0 steps"), "\(empty.out)\(empty.err)")
            #expect(try CatalogRows.read(conninfo) == after, "nothing changed the second time")
        }
    }

    // MARK: Done when: a concurrent webhook's rows are skipped, and its values survive

    @Test func rowsAWebhookWroteAfterThePlanAreSkippedAndKeepTheWebhooksValues() async throws {
        try await withCatalog(tiny) { conninfo in
            let config = try await diffTiny(conninfo, out: "cc")
            let planned = try PlannedRows.read(conninfo, run: 1)
            func target(_ entity: String, _ action: String, skipping: Set<Int64> = []) throws -> Int64 {
                try #require(
                    planned.steps.values.filter { $0.entity == entity && $0.action == action }
                        .compactMap(\.target).filter { !skipping.contains($0) }.min())
            }
            // As the webhooks would, between plan and apply: a product update, an image-list rewrite, a status
            // change with its history row, and the create of a product the plan inserts.
            let priced = try target("product", "update", skipping: planned.imageOwners)
            let imaged = try target("productimage", "update")
            let ordered = try target("order", "update_status")
            let created = try target("product", "insert")
            try sql(conninfo, "UPDATE product SET price = 1234500, updated_at = now() WHERE id = \(priced)")
            try sql(
                conninfo,
                """
                WITH p AS (UPDATE product SET image = 'https://cvety.kz/upload/webhook.jpg', updated_at = now()
                            WHERE id = \(imaged) RETURNING id),
                     d AS (DELETE FROM productimage WHERE product_id = \(imaged))
                INSERT INTO productimage (product_id, url, "order", is_primary) VALUES (\(imaged), 'https://cvety.kz/upload/webhook.jpg', 0, true)
                """)
            try sql(
                conninfo,
                """
                WITH o AS (UPDATE "order" SET status = 'PAID', updated_at = now() WHERE id = \(ordered) RETURNING id)
                INSERT INTO orderhistory (order_id, changed_by, field_name, old_value, new_value) SELECT id, 'bitrix', 'status', 'assembled', 'paid' FROM o
                """)
            try sql(
                conninfo,
                "INSERT INTO product (id, shop_id, name, price) VALUES (\(created), 8, 'from the webhook', 100)")
            let touched: Set<Int64> = [priced, imaged, created]

            let apply = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(apply.status == 2, "conflicts exit 2: \(apply.out)\(apply.err)")
            let outcomes = try sql(
                conninfo,
                "SELECT s.seq::text, o.outcome, s.entity, s.target::text FROM backstop.plan_step s LEFT JOIN backstop.plan_step_outcome o USING (plan_id, seq) WHERE s.plan_id = 1 AND s.action <> 'skip'"
            )
            for row in outcomes {
                let target = row[3].flatMap { Int64($0) }
                let hit = row[2] == "order" ? target == ordered : (target.map(touched.contains) ?? false)
                #expect(
                    row[1] == (hit ? "conflict" : "applied"), "step \(row[0] ?? "") \(row[2] ?? "") \(row[3] ?? "")")
                if hit { #expect(apply.out.contains("conflict #\(row[0] ?? "")"), "reported: \(apply.out)") }
            }
            #expect(outcomes.count { $0[1] == "conflict" } >= 4)
            #expect(try sql(conninfo, "SELECT price FROM product WHERE id = \(priced)") == [["1234500"]])
            #expect(
                try sql(conninfo, "SELECT url FROM productimage WHERE product_id = \(imaged)") == [
                    ["https://cvety.kz/upload/webhook.jpg"]
                ])
            #expect(try sql(conninfo, "SELECT status::text FROM \"order\" WHERE id = \(ordered)") == [["PAID"]])
            #expect(
                try sql(
                    conninfo, "SELECT changed_by FROM orderhistory WHERE order_id = \(ordered) ORDER BY id DESC LIMIT 1"
                ) == [["bitrix"]])
            #expect(
                try sql(conninfo, "SELECT shop_id, name FROM product WHERE id = \(created)") == [
                    ["8", "from the webhook"]
                ])
            #expect(try sql(conninfo, "SELECT count(*) FROM productimage WHERE product_id = \(created)") == [["0"]])

            // Backstop's writes are tagged: the last version it wrote is the row's version until someone else writes.
            let soft = try target("product", "soft_delete")
            let mine =
                "SELECT (a.written_xmin = p.xmin::text::bigint)::text FROM backstop.applied_write a JOIN product p ON p.id = a.target WHERE a.entity = 'product' AND a.target = \(soft)"
            #expect(try sql(conninfo, PGQuery(unsafeSQL: mine)) == [["true"]])
            try sql(conninfo, "UPDATE product SET enabled = true, updated_at = now() WHERE id = \(soft)")
            #expect(
                try sql(conninfo, PGQuery(unsafeSQL: mine)) == [["false"]],
                "a webhook write after Backstop's tells apart")
            #expect(
                try sql(conninfo, "SELECT count(*) FROM orderhistory WHERE changed_by = 'backstop'").first?[0] != "0")
        }
    }

    // MARK: Done when: killed mid-plan, no batch is half-applied and a re-run finishes

    /// Runs an apply in batches of 2, holds a row lock so it blocks inside a later batch, interrupts it with
    /// `interrupt(apply process, its backend pid)`, and checks that every step either applied with its
    /// batch or left its rows exactly as they were; then re-runs and checks the plan finishes exactly once.
    /// The apply's backend is found by name in this test's database only: suites running beside this one
    /// apply to databases of their own on the same server.
    func interruptedApply(_ interrupt: (BackgroundBackstop, String, String) throws -> Void) async throws -> (
        status: Int32, reason: Process.TerminationReason, err: String
    ) {
        var exit: (status: Int32, reason: Process.TerminationReason, out: String, err: String)?
        try await withCatalog(tiny) { conninfo in
            let config = try await diffTiny(conninfo, out: "kill")
            let planned = try PlannedRows.read(conninfo, run: 1)
            let writes = planned.steps.filter { $0.value.action != "skip" }
            let productSteps = writes.filter { $0.value.entity == "product" && $0.value.action != "insert" }.sorted {
                $0.key < $1.key
            }
            try #require(productSteps.count >= 8)
            let blocker = try #require(productSteps[6].value.target)
            let before = try CatalogRows.read(conninfo)

            let holder = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            try holder.execute("BEGIN")
            try holder.execute("SELECT id FROM product WHERE id = \(blocker) FOR UPDATE")
            let process = try BackgroundBackstop(
                // One writer: the batches commit in plan order, so the ones before the locked row are done.
                [
                    "apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes", "--batch-size", "2",
                    "--workers", "1",
                ])
            var backend = ""
            let blocked = try eventually {
                let rows = try sql(
                    conninfo,
                    """
                    SELECT pid::text FROM pg_stat_activity WHERE application_name = 'backstop-apply'
                       AND wait_event_type = 'Lock' AND datname = current_database()
                    """
                )
                backend = rows.first?[0] ?? ""
                return !backend.isEmpty
            }
            #expect(blocked, "the apply reached the locked row")
            let committedBefore = try sql(
                conninfo,
                "SELECT count(*)::int FROM backstop.plan_step_outcome WHERE plan_id = 1 AND outcome = 'applied'")
            #expect((committedBefore.first?[0]).flatMap { Int($0) } ?? 0 >= 2, "earlier batches committed")
            try interrupt(process, backend, conninfo)
            try holder.execute("ROLLBACK")
            holder.close()
            exit = process.wait()
            #expect(
                try eventually(30) {
                    try sql(
                        conninfo,
                        """
                        SELECT count(*) FROM pg_stat_activity
                         WHERE application_name = 'backstop-apply' AND datname = current_database()
                        """)
                        == [["0"]]
                }, "the server ended the apply's session")

            // No batch half-applied: a step without an outcome left its rows as they were; an applied one wrote.
            let mid = try CatalogRows.read(conninfo)
            let outcome = Dictionary(
                uniqueKeysWithValues: try sql(
                    conninfo,
                    "SELECT s.seq, coalesce(o.outcome, '') FROM backstop.plan_step s LEFT JOIN backstop.plan_step_outcome o USING (plan_id, seq) WHERE s.plan_id = 1"
                ).map { (Int($0[0] ?? "") ?? 0, $0[1] ?? "") })
            #expect(
                outcome.values.contains("") && outcome.values.contains("applied"), "interrupted mid-plan: \(outcome)")
            for (seq, step) in writes where step.entity != "sequence" {
                guard let target = step.target else { continue }
                let table = step.entity == "productimage" ? "productimage" : step.entity
                let keys = before.rows.filter { key, row in
                    table == "productimage"
                        ? key.hasPrefix("productimage:") && row.owner == target : key == "\(table):\(target)"
                }.keys
                let same =
                    keys.allSatisfy { before.rows[$0] == mid.rows[$0] }
                    && (table != "productimage"
                        || mid.rows.keys.filter { $0.hasPrefix("productimage:") && mid.rows[$0]?.owner == target }.count
                            == keys.count)
                if outcome[seq] == "" {
                    #expect(same, "step \(seq) (\(step.entity) \(target)) has no outcome but its rows changed")
                }
                if outcome[seq] == "applied" && step.action != "insert" {
                    #expect(!same, "step \(seq) applied but its rows did not change")
                }
            }
            let batches = try sql(
                conninfo,
                "SELECT (SELECT max(batch) FROM backstop.plan_step_outcome WHERE plan_id = 1)::text, (SELECT position->>'batch' FROM backstop.checkpoint)"
            )
            #expect(batches.first?[0] == batches.first?[1], "the checkpoint is the last committed batch")

            // Re-run: finishes the plan without repeating a step.
            let rerun = try await backstop([
                "apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes", "--batch-size", "2",
            ])
            #expect(rerun.status == 0, "\(rerun.out)\(rerun.err)")
            let done = outcome.values.count { $0 == "applied" }
            #expect(
                rerun.out.contains("applied \(writes.count - done) steps (0 conflicts, \(done) done before)"),
                "\(rerun.out)")
            let statusSteps = writes.values.count { $0.action == "update_status" }
            #expect(
                try sql(conninfo, "SELECT count(*)::int FROM orderhistory WHERE changed_by = 'backstop'") == [
                    [String(statusSteps)]
                ])
            let final = temporary("kill-after")
            _ = try await backstop([
                "diff", "--config", config, "--catalog", conninfo, "--dump", tinyDump, "--out", final.path,
            ])
            #expect(try findings(final).filter { writeActions.contains($0.value) }.isEmpty)
        }
        let result = try #require(exit)
        return (result.status, result.reason, result.err)
    }

    @Test func anApplyWhoseConnectionIsTerminatedMidPlanFinishesOnReRun() async throws {
        let exit = try await interruptedApply { _, backend, conninfo in
            try sql(conninfo, "SELECT pg_terminate_backend(\(Int32(backend) ?? 0))")
        }
        #expect(exit.status == 1 && exit.reason == .exit)
        #expect(exit.err.contains("rolled back whole"), "\(exit.err)")
    }

    @Test func anApplyKilledWithSIGKILLMidPlanFinishesOnReRun() async throws {
        let exit = try await interruptedApply { process, _, _ in
            kill(process.process.processIdentifier, SIGKILL)
        }
        #expect(exit.reason == .uncaughtSignal && exit.status == SIGKILL)
    }

    @Test func aBatchWaitingTooLongForARowIsRolledBackAndTheNextApplyFinishes() async throws {
        try await withCatalog(tiny) { conninfo in
            let config = try thresholdConfig("lock_timeout_seconds = 1\n")
            let dump = tiny.appendingPathComponent("bitrix/dump.sql").path
            let diff = try await backstop(
                ["diff", "--config", config, "--catalog", conninfo, "--dump", dump, "--out", temporary("lt").path])
            #expect(diff.status == 2, "\(diff.err)")
            let planned = try PlannedRows.read(conninfo, run: 1)
            let blocked = try #require(
                planned.steps.values.filter { $0.entity == "order" && $0.action == "update_status" }.compactMap(
                    \.target
                ).min())
            let holder = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            try holder.execute("BEGIN")
            try holder.execute("SELECT id FROM \"order\" WHERE id = \(blocked) FOR UPDATE")
            let waited = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(waited.status == 1, "\(waited.out)\(waited.err)")
            #expect(
                waited.err.contains("rolled back whole") && waited.err.contains("55P03"),
                "lock_not_available: \(waited.err)")
            try holder.execute("ROLLBACK")
            holder.close()
            let status = try sql(conninfo, "SELECT status::text FROM \"order\" WHERE id = \(blocked)")
            #expect(status.first?[0] != "DELIVERED", "the timed-out batch wrote nothing")
            let rerun = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(rerun.status == 0 && rerun.out.contains("done before"), "\(rerun.out)\(rerun.err)")
            #expect(try sql(conninfo, "SELECT status::text FROM \"order\" WHERE id = \(blocked)") == [["DELIVERED"]])
        }
    }

    @Test func anApplyWhileAnotherRunHoldsTheLockExits75AndWritesNothing() async throws {
        try await withCatalog(tiny) { conninfo in
            let config = try thresholdConfig()
            let dump = tiny.appendingPathComponent("bitrix/dump.sql").path
            _ = try await backstop([
                "diff", "--config", config, "--catalog", conninfo, "--dump", dump, "--out", temporary("lk").path,
            ])
            let before = try CatalogRows.read(conninfo)
            let holder = try PGConnectionHolder(conninfo: conninfo)
            defer { holder.release() }
            let apply = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(apply.status == 75, "\(apply.out)\(apply.err)")
            #expect(try CatalogRows.read(conninfo) == before)
        }
    }

    // MARK: Done when: refusals

    @Test func nightlyApplyOnATruncatedDumpIsRefusedAndChangesNothing() async throws {
        try await withCatalog(tiny) { conninfo in
            let config = try thresholdConfig()
            let full = try Data(contentsOf: tiny.appendingPathComponent("bitrix/dump.sql"))
            let cut = temporary("cut").appendingPathExtension("sql")
            try full.prefix(full.count * 6 / 10).write(to: cut)
            let before = try CatalogRows.read(conninfo)
            let reports = temporary("reports")

            let strict = try await backstop(
                [
                    "nightly", "--apply", "--config", config, "--catalog", conninfo, "--dump", cut.path, "--report-dir",
                    reports.path,
                ])
            #expect(strict.status == 1, "a truncated dump fails the run: \(strict.err)")
            let partial = try await backstop(
                [
                    "nightly", "--apply", "--force", "--allow-partial", "--config", config, "--catalog", conninfo,
                    "--dump", cut.path,
                    "--report-dir", reports.path,
                ])
            #expect(partial.status == 4, "refused, even with --force: \(partial.out)\(partial.err)")
            #expect(partial.out.contains("partial_input"), "\(partial.out)")
            #expect(try CatalogRows.read(conninfo) == before, "nothing changed")
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            #expect(try runListings(runs.out).contains { $0.status == .refused }, "\(runs.out)")
            let plan = try MergePlan(
                json: Data(contentsOf: reports.appendingPathComponent("000002-nightly/plan.json")))
            #expect(plan.partial, "the plan of a partial dump says so")

            // The same, complete, applies in the same run.
            let dump = tiny.appendingPathComponent("bitrix/dump.sql").path
            let whole = try await backstop(
                [
                    "nightly", "--apply", "--config", config, "--catalog", conninfo, "--dump", dump, "--report-dir",
                    reports.path,
                ])
            #expect(whole.status == 2, "applied; Bitrix-side and reported findings remain: \(whole.out)\(whole.err)")
            #expect(whole.out.contains("apply: applied"), "\(whole.out)")
            #expect(try CatalogRows.read(conninfo) != before)
        }
    }

    @Test func softDeletesOverTheThresholdAreRefusedWithoutForce() async throws {
        try await withCatalog(tiny) { conninfo in
            // Updates unlimited; soft deletes at the default 5 % (the tiny shop loses 5 of 43 products: 11.6 %).
            let config = try thresholdConfig(softDeletes: 0.05, updates: 1.0)
            let dump = tiny.appendingPathComponent("bitrix/dump.sql").path
            let diff = try await backstop([
                "diff", "--config", config, "--catalog", conninfo, "--dump", dump, "--out", temporary("t").path,
            ])
            #expect(diff.status == 2)
            let before = try CatalogRows.read(conninfo)
            let refused = try await backstop([
                "apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes",
            ])
            #expect(refused.status == 4, "\(refused.out)\(refused.err)")
            #expect(
                refused.out.contains(
                    "REFUSED soft_delete_threshold: 5 of shop 17008's 43 products would be taken offline"),
                "\(refused.out)")
            #expect(!refused.out.contains("update_threshold"))
            #expect(try CatalogRows.read(conninfo) == before, "nothing changed")
            let preview = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1"])
            #expect(preview.status == 4 && preview.out.contains("the apply would be refused"))
            let forced = try await backstop([
                "apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes", "--force",
            ])
            #expect(forced.status == 0, "\(forced.out)\(forced.err)")
            #expect(try CatalogRows.read(conninfo) != before)
        }
    }

    // MARK: The staging tables, emptied mid-apply, never mix batches

    /// One writer, one step per batch: the worker empties its staging tables after every tenth batch, so
    /// the batches before and after an emptying share the tables; each must write exactly its own steps.
    @Test func oneStepBatchesAcrossStagingTableEmptyingsApplyEveryStepOnce() async throws {
        try await withCatalog(tiny) { conninfo in
            let config = try await diffTiny(conninfo, out: "one")
            let writes = try PlannedRows.read(conninfo, run: 1).steps.values.count { $0.action != "skip" }
            #expect(writes > 10, "more batches than one emptying apart: \(writes)")
            let apply = try await backstop([
                "apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes", "--batch-size", "1",
                "--workers", "1",
            ])
            #expect(apply.status == 0, "\(apply.out)\(apply.err)")
            #expect(apply.out.contains("applied \(writes) steps (0 conflicts"), "\(apply.out)")
            let statusSteps = try PlannedRows.read(conninfo, run: 1).steps.values.count { $0.action == "update_status" }
            #expect(
                try sql(conninfo, "SELECT count(*)::int FROM orderhistory WHERE changed_by = 'backstop'") == [
                    [String(statusSteps)]
                ], "one history row per status step, none repeated from an earlier batch's staged rows")
            let after = temporary("one-after")
            _ = try await backstop([
                "diff", "--config", config, "--catalog", conninfo, "--dump", tinyDump, "--out", after.path,
            ])
            #expect(try findings(after).filter { writeActions.contains($0.value) }.isEmpty)
        }
    }

    /// The apply checks an order by its `xmin` alone and records an image step's product at its unchanged
    /// `xmin`: a webhook replaying an order's same values between plan and apply still makes a conflict,
    /// `VACUUM FREEZE` of the catalog makes none, and each written row's recorded version is its `xmin`.
    @Test func aSameValueOrderRewriteConflictsAndAFreezeDoesNot() async throws {
        try await withCatalog(tiny) { conninfo in
            let config = try await diffTiny(conninfo, out: "freeze")
            let planned = try PlannedRows.read(conninfo, run: 1)
            let statusTargets = planned.steps.values.filter { $0.action == "update_status" }.compactMap(\.target)
            let replayed = try #require(statusTargets.min())
            let imaged = try #require(
                planned.steps.values.filter { $0.entity == "productimage" && $0.action == "update" }
                    .compactMap(\.target).min())
            #expect(statusTargets.count > 1, "another status step must still apply")
            // A webhook replaying an event: the same values, a new row version.
            try sql(conninfo, "UPDATE \"order\" SET status = status WHERE id = \(replayed)")
            for table in ["product", "productimage", "\"order\""] {
                try sql(conninfo, PGQuery(unsafeSQL: "VACUUM (FREEZE) \(table)"))
            }
            let frozen = try sql(
                conninfo,
                "SELECT (age(relfrozenxid) < 100)::text FROM pg_class WHERE oid IN ('product'::regclass, '\"order\"'::regclass)"
            )
            #expect(frozen == [["true"], ["true"]], "the catalog's rows are frozen before the apply")
            let before = try sql(conninfo, "SELECT status::text FROM \"order\" WHERE id = \(replayed)")

            let apply = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(apply.status == 2, "one conflict exits 2: \(apply.out)\(apply.err)")
            let outcomes = try sql(
                conninfo,
                "SELECT s.target::text, o.outcome FROM backstop.plan_step s JOIN backstop.plan_step_outcome o USING (plan_id, seq) WHERE s.plan_id = 1 AND s.action <> 'skip'"
            )
            #expect(
                Set(outcomes.filter { $0[1] == "conflict" }.map { $0[0] }) == [String(replayed)], "\(outcomes)")
            #expect(outcomes.count { $0[1] == "applied" } > 1)
            #expect(try sql(conninfo, "SELECT status::text FROM \"order\" WHERE id = \(replayed)") == before)
            let imageWrite = try sql(
                conninfo,
                PGQuery(
                    unsafeSQL:
                        "SELECT (a.written_xmin = p.xmin::text::bigint)::text FROM backstop.applied_write a JOIN product p ON p.id = a.target WHERE a.entity = 'productimage' AND a.target = \(imaged)"
                ))
            #expect(imageWrite == [["true"]], "the image step records the product's xmin, which it left alone")
        }
    }

    @Test func aPlanMadeAgainstAnotherCatalogIsRefusedEvenWithForce() async throws {
        try await withCatalog(tiny) { planned in
            let out = temporary("elsewhere")
            let dump = tiny.appendingPathComponent("bitrix/dump.sql").path
            _ = try await backstop(["diff", "--catalog", planned, "--dump", dump, "--out", out.path])
            try await withCatalog(tiny) { other in
                let before = try CatalogRows.read(other)
                let apply = try await backstop(
                    [
                        "apply", "--catalog", other, "--plan", out.appendingPathComponent("plan.json").path, "--yes",
                        "--force",
                    ])
                #expect(apply.status == 4, "\(apply.out)\(apply.err)")
                #expect(apply.out.contains("REFUSED other_catalog"), "\(apply.out)")
                #expect(try CatalogRows.read(other) == before)
            }
        }
    }
}

/// The `[merge]` configuration as the CLI sees it (no database needed).
@Suite struct MergeConfigurationCLITests {
    @Test(arguments: [
        ("\"product.shop\" = \"bitrix\"", "merge.policy product.shop: is always report"),
        ("\"order.field\" = \"bitrix\"", "merge.policy order.field: cannot be bitrix"),
        ("\"product.feld.price\" = \"catalog\"", "merge.policy product.feld.price: unknown selector"),
    ])
    func aPolicyBackstopMustNotFollowIsAUsageError(_ line: String, _ message: String) async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).toml")
        try "[merge.policy]\n\(line)\n".write(to: url, atomically: true, encoding: .utf8)
        for command in [["diff", "--dump", "x.sql"], ["apply", "--run", "1"]] {
            let result = try await backstop(command + ["--config", url.path])
            #expect(result.status == 64, "\(command): \(result.err)")
            #expect(result.err.contains(message), "\(result.err)")
        }
    }

    @Test func applyNeedsExactlyOnePlanSource() async throws {
        #expect(try await backstop(["apply"]).status == 64)
        #expect(try await backstop(["apply", "--run", "1", "--plan", "plan.json"]).status == 64)
        #expect(try await backstop(["nightly", "--force"]).status == 64, "--force goes with --apply")
    }
}
