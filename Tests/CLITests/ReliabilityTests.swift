import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// Every run ends in the ledger (issue 17): signals, a terminated backend, SIGKILL then a new run, a report
/// folder that cannot be written. Each test runs the built binary, pauses it at a named safe point
/// (`BACKSTOP_TEST_PAUSE_AT`) so the fault lands at a known moment, and checks the ledger row, the exit code,
/// that the catalog lock is free again and that the catalog is unchanged.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct ReliabilityTests {
    let tiny = RepoPaths.data.appendingPathComponent("tiny")
    var dump: String { tiny.appendingPathComponent("bitrix/dump.sql").path }

    func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    /// A scratch catalog with the tiny world and Backstop's schema.
    func withCatalog(_ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase(prefix: "rel") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", tiny.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            #expect(try await backstop(["db", "migrate", "--catalog", conninfo]).status == 0)
            try await body(conninfo)
        }
    }

    /// The ledger row of a run: status, exit code, signal, whether it has an end time, error.
    func ledger(_ conninfo: String, run: Int) throws -> (
        status: String, exit: String?, signal: String?, finished: Bool, error: String
    ) {
        let row = try #require(
            try sql(
                conninfo,
                "SELECT status, exit_code::text, signal::text, (finished_at IS NOT NULL)::text, coalesce(error, '') FROM backstop.run WHERE id = \(run)"
            ).first)
        return (row[0] ?? "", row[1], row[2], row[3] == "true", row[4] ?? "")
    }

    /// Whether any session still holds an advisory lock in this database (the catalog lock or a run's own).
    func locksHeld(_ conninfo: String) throws -> Bool {
        try sql(
            conninfo,
            "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ) != [["0"]]
    }

    /// Starts `arguments` paused at `point` and waits until it says so.
    func paused(_ arguments: [String], at point: String, after: Int = 0, resume: URL? = nil) throws
        -> BackgroundBackstop
    {
        var environment = ["BACKSTOP_TEST_PAUSE_AT": point, "BACKSTOP_TEST_PAUSE_AFTER": String(after)]
        if let resume { environment["BACKSTOP_TEST_RESUME_FILE"] = resume.path }
        let process = try BackgroundBackstop(arguments, environment: environment)
        let reached = eventually(60) {
            ((try? String(contentsOf: process.err, encoding: .utf8)) ?? "").contains("backstop: paused at \(point)")
        }
        try #require(
            reached, "the run reached \(point): \((try? String(contentsOf: process.err, encoding: .utf8)) ?? "")")
        return process
    }

    // MARK: Signals

    @Test(arguments: [
        ("extract.catalog.copy", SIGTERM, Int32(143)), ("extract.dump", SIGINT, Int32(130)),
        ("extract.dump", SIGHUP, Int32(129)),
    ])
    func aSignalMidExtractRecordsAStoppedRunWithAValidReport(_ point: String, _ signal: Int32, _ code: Int32)
        async throws
    {
        try await withCatalog { conninfo in
            let before = try CatalogRows.read(conninfo)
            let out = temporary("stopped")
            let process = try paused(
                ["diff", "--catalog", conninfo, "--dump", dump, "--out", out.path], at: point)
            kill(process.process.processIdentifier, signal)
            let exit = process.wait()
            #expect(exit.status == code && exit.reason == .exit, "\(exit.err)")
            let row = try ledger(conninfo, run: 1)
            #expect(row.status == "stopped" && row.exit == String(code) && row.signal == String(signal) && row.finished)
            #expect(row.error.contains("signal \(signal)"), "\(row.error)")
            #expect(try !locksHeld(conninfo), "the catalog lock and the run's own lock are released")
            #expect(try CatalogRows.read(conninfo) == before, "nothing written")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json")))
                    as? [String: Any])
            let run = try #require(report["run"] as? [String: Any])
            #expect(
                run["status"] as? String == "stopped" && (run["stop_reason"] as? String)?.contains("signal") == true)
            #expect(
                (report["stages"] as? [[String: Any]])?.contains { $0["status"] as? String == "stopped" } == true)
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            #expect(try runListings(runs.out).contains { $0.status == .stopped }, "\(runs.out)")
            // Its plan (if any) is never applied, --force or not.
            let apply = try await backstop(["apply", "--catalog", conninfo, "--run", "1", "--yes", "--force"])
            #expect(apply.status == 4 || apply.err.contains("has no merge plan"), "\(apply.out)\(apply.err)")
            #expect(try CatalogRows.read(conninfo) == before)
        }
    }

    @Test func aTerminatedBackendMidCOPYRecordsAFailedRunThroughAFreshConnection() async throws {
        try await withCatalog { conninfo in
            let before = try CatalogRows.read(conninfo)
            let resume = temporary("resume")
            let process = try paused(
                ["diff", "--catalog", conninfo, "--dump", dump, "--out", temporary("terminated").path],
                at: "extract.catalog.copy", resume: resume)
            let killed = try sql(
                conninfo,
                """
                SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity
                 WHERE application_name = 'backstop diff run 1' AND datname = current_database()
                """)
            #expect(killed == [["true"]], "the run's backend (of this database only), mid-COPY")
            _ = FileManager.default.createFile(atPath: resume.path, contents: nil)
            let exit = process.wait()
            #expect(exit.status == 1, "\(exit.err)")
            let row = try ledger(conninfo, run: 1)
            #expect(row.status == "failed" && row.exit == "1" && row.finished, "\(row)")
            #expect(row.error.contains("terminat") || row.error.contains("connection"), "\(row.error)")
            #expect(try !locksHeld(conninfo))
            #expect(try CatalogRows.read(conninfo) == before)
            let runs = try await backstop(["runs", "--catalog", conninfo])
            let line = try #require(runs.out.split(separator: "\n").first { $0.contains(" failed ") })
            #expect(line.contains("      -  "), "a failed run shows no finding count: \(line)")
        }
    }

    @Test func aRunKilledWithSIGKILLIsMarkedAbandonedByTheNextRun() async throws {
        try await withCatalog { conninfo in
            let process = try paused(
                ["diff", "--catalog", conninfo, "--dump", dump, "--out", temporary("killed").path], at: "extract.dump")
            kill(process.process.processIdentifier, SIGKILL)
            let exit = process.wait()
            #expect(exit.reason == .uncaughtSignal && exit.status == SIGKILL)
            #expect(try ledger(conninfo, run: 1).status == "running", "nothing could record its end")
            #expect(try eventually(30) { try !locksHeld(conninfo) }, "the server ended the killed session")
            let next = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", temporary("n").path])
            #expect(next.status == 2, "\(next.err)")
            let row = try ledger(conninfo, run: 1)
            #expect(row.status == "abandoned" && row.finished && row.error.contains("noticed by run 2"), "\(row)")
            #expect(try ledger(conninfo, run: 2).status == "drift")
            let apply = try await backstop(["apply", "--catalog", conninfo, "--run", "1", "--yes", "--force"])
            #expect(apply.status != 0, "an abandoned run's plan is never applied: \(apply.out)\(apply.err)")
        }
    }

    @Test func aRunningRunsPlanIsRefusedAndASecondRunNamesTheHolder() async throws {
        try await withCatalog { conninfo in
            let resume = temporary("resume")
            let first = try paused(
                ["diff", "--catalog", conninfo, "--dump", dump, "--out", temporary("live").path], at: "extract.dump",
                resume: resume)
            let second = try await backstop(["reindex", "--catalog", conninfo, "--out", temporary("r").path])
            #expect(second.status == 75)
            #expect(second.err.contains("backstop: another Backstop run holds the lock"), "\(second.err)")
            #expect(try ledger(conninfo, run: 1).status == "running", "a live run is not abandoned")
            _ = FileManager.default.createFile(atPath: resume.path, contents: nil)
            #expect(first.wait().status == 2)
            #expect(try ledger(conninfo, run: 1).status == "drift")
        }
    }

    @Test func sigtermMidReindexStopsBetweenBatchesAndTheNextRunResumes() async throws {
        let images = temporary("rel-images")
        defer { try? FileManager.default.removeItem(at: images) }
        #expect(try await worldgen(["render-images", "--world", tiny.path, "--out", images.path]).status == 0)
        try await withCatalog { conninfo in
            let before = try CatalogRows.read(conninfo)
            let config = temporary("rel-config").appendingPathExtension("toml")
            try "[images]\nbatch_size = 8\n".write(to: config, atomically: true, encoding: .utf8)
            let arguments = [
                "reindex", "--full", "--config", config.path, "--catalog", conninfo, "--mirror",
                "https://cvety.kz/=\(images.path)/",
            ]
            let process = try paused(arguments + ["--out", temporary("ri").path], at: "index.batch", after: 1)
            kill(process.process.processIdentifier, SIGTERM)
            let exit = process.wait()
            #expect(exit.status == 143, "\(exit.err)")
            let row = try ledger(conninfo, run: 1)
            #expect(row.status == "stopped" && row.signal == "15" && row.finished, "\(row)")
            #expect(try !locksHeld(conninfo))
            #expect(try CatalogRows.read(conninfo) == before, "no provider: the catalog is not written")
            let saved = try sql(conninfo, "SELECT count(*)::int FROM backstop.image_descriptor")
            #expect(Int(saved.first?[0] ?? "0") ?? 0 >= 8, "the batches before the stop are saved: \(saved)")
            let resumed = try await backstop(arguments + ["--out", temporary("ri2").path])
            #expect(resumed.status == 2, "\(resumed.err)")
            #expect(try ledger(conninfo, run: 2).status == "drift")
        }
    }

    // MARK: A failed run's plan

    @Test func aRunThatFailedWritingItsReportsLeavesAPlanThatIsNeverApplied() async throws {
        try await withCatalog { conninfo in
            let before = try CatalogRows.read(conninfo)
            // A report folder that cannot be created (its parent is a file), for root as for anyone.
            let blocker = temporary("not-a-folder")
            _ = FileManager.default.createFile(atPath: blocker.path, contents: Data("x".utf8))
            let diff = try await backstop(
                ["diff", "--catalog", conninfo, "--dump", dump, "--out", blocker.appendingPathComponent("r").path])
            #expect(diff.status == 1, "\(diff.err)")
            let row = try ledger(conninfo, run: 1)
            #expect(row.status == "failed" && row.finished)
            #expect(try !locksHeld(conninfo))
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            let failed = try #require(try runListings(runs.out).first { $0.status == .failed }, "\(runs.out)")
            #expect(failed.discrepancies == nil, "no finding count for a failed run: \(runs.out)")
            let config = try thresholdConfig()
            let apply = try await backstop([
                "apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes", "--force",
            ])
            #expect(apply.status == 4, "\(apply.out)\(apply.err)")
            #expect(apply.out.contains("REFUSED incomplete_run: run 1, which made the plan, is failed"), "\(apply.out)")
            #expect(try CatalogRows.read(conninfo) == before, "nothing applied")
        }
    }

    // MARK: Missing upstream tables

    @Test func aCatalogWithoutProductEmbeddingsCompletesWithAWarningRow() async throws {
        try await withCatalog { conninfo in
            try sql(conninfo, "DROP TABLE product_embeddings")
            let out = temporary("no-embeddings")
            let run = try await backstop(["nightly", "--catalog", conninfo, "--dump", dump, "--out", out.path])
            #expect(run.status == 2, "\(run.err)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json")))
                    as? [String: Any])
            let stages = try #require(report["stages"] as? [[String: Any]])
            let warning = try #require(stages.first { $0["name"] as? String == "index.embeddings" })
            #expect(warning["status"] as? String == "warning")
            #expect((warning["summary"] as? String)?.contains("no product_embeddings table") == true)
            #expect(try findings(out).keys.allSatisfy { !$0.hasPrefix("embedding.") })
        }
    }

    @Test func aCatalogWithoutATableTheDiffNeedsFailsNamingTheTableAndStage() async throws {
        try await withCatalog { conninfo in
            try sql(conninfo, "DROP TABLE productimage")
            let run = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", temporary("x").path])
            #expect(run.status == 1)
            #expect(run.err.contains("has no table productimage, which the extract.catalog stage needs"), "\(run.err)")
            #expect(!run.err.contains("42P01"))
            #expect(try ledger(conninfo, run: 1).status == "failed")
        }
    }

    // MARK: Inputs

    @Test(arguments: [
        (["--snapshot-time", "yesterday"], "--snapshot-time: snapshot time \"yesterday\""),
        (["--snapshot-time", "2025-13-45 99:99:99"], "\"2025-13-45 99:99:99\": a field is out of range"),
        (["--snapshot-time", "2025-10-25 03:00:00"], "no zone"),
        (["--snapshot-time", "2025-02-30 03:00:00+05:00"], "day 30 is not in 2025-02"),
        (["--max-seconds", "inf"], "--max-seconds inf"),
        (["--dump", "/nonexistent/dump.sql"], "--dump /nonexistent/dump.sql: no such file or directory"),
        (["--dump", "/proc/self/task"], "--dump /proc/self/task: a folder, but not a dump folder"),
        (["--dump", "-", "--dump", "-"], "standard input can be read only once"),
    ])
    func aBadInputIsAUsageErrorNamingTheValue(_ flags: [String], _ message: String) async throws {
        let arguments =
            ["diff", "--catalog", "host=/nonexistent"] + (flags.contains("--dump") ? [] : ["--dump", dump])
        let result = try await backstop(arguments + flags)
        #expect(result.status == 64, "\(result.err)")
        #expect(result.err.contains(message), "\(result.err)")
    }

    @Test(arguments: [
        (["diff", "--dump", "x.sql", "--max-seconds", "-1"], "--max-seconds -1.0: must be a finite number"),
        (["reindex", "--max-seconds", "-5"], "--max-seconds -5.0"),
        (["apply", "--run", "-5"], "--run -5: a run id is positive"),
        (["apply", "--run", "1", "--batch-size", "-3"], "--batch-size -3: must be positive"),
        (["report", "--run", "0"], "--run 0: a run id is positive"),
        (["runs", "--limit", "-1"], "--limit -1: must be positive"),
    ])
    func aNegativeNumberIsNamedNotTakenForAFlag(_ arguments: [String], _ message: String) async throws {
        let result = try await backstop(arguments)
        #expect(result.status == 64, "\(result.err)")
        #expect(result.err.contains(message), "\(result.err)")
    }

    @Test func aZonedSnapshotTimeIsTakenInTheSiteZone() async throws {
        try await withCatalog { conninfo in
            // Without a footer the configured time is the snapshot: 21:00 UTC is 03:00 in Almaty (UTC+6 on
            // 2025-10-24; Asia/Almaty moved to +5 in 2024, so the zone database decides).
            let cut = temporary("nofooter").appendingPathExtension("sql")
            let text = try String(contentsOfFile: dump, encoding: .utf8)
            try text.components(separatedBy: "\n").filter { !$0.hasPrefix("-- Dump completed") }.joined(
                separator: "\n"
            ).write(to: cut, atomically: true, encoding: .utf8)
            let out = temporary("zoned")
            let run = try await backstop([
                "diff", "--catalog", conninfo, "--dump", cut.path, "--allow-partial", "--snapshot-time",
                "2025-10-24T21:00:00Z", "--out", out.path,
            ])
            #expect([2, 3].contains(run.status), "\(run.err)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json")))
                    as? [String: Any])
            let snapshot = try #require(report["snapshot"] as? [String: Any])
            #expect((snapshot["time"] as? String)?.hasPrefix("2025-10-25 0") == true, "\(snapshot)")
            #expect(snapshot["source"] as? String == "configured")
        }
    }

    @Test(arguments: ["/dev/zero", "/dev/urandom"])
    func anEndlessStreamThatIsNoDumpFailsFast(_ device: String) async throws {
        try await withCatalog { conninfo in
            let started = Date()
            let run = try await backstop([
                "diff", "--catalog", conninfo, "--dump", device, "--out", temporary("d").path,
            ])
            #expect(run.status == 1, "\(run.err)")
            #expect(run.err.contains("not a dump: no SQL dump statement"), "\(run.err)")
            #expect(run.err.contains(device))
            #expect(Date().timeIntervalSince(started) < 30, "it ends")
            #expect(try ledger(conninfo, run: 1).status == "failed")
        }
    }

    @Test func aDumpOnStandardInputReadsLikeTheFile() async throws {
        try await withCatalog { conninfo in
            let fromFile = temporary("file")
            #expect(
                try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", fromFile.path]).status == 2)
            let fromPipe = temporary("pipe")
            let process = try BackgroundBackstop(
                ["diff", "--catalog", conninfo, "--dump", "-", "--out", fromPipe.path],
                standardInput: URL(fileURLWithPath: dump))
            let exit = process.wait()
            #expect(exit.status == 2, "\(exit.err)")
            #expect(try findings(fromPipe) == findings(fromFile))
        }
    }

    // MARK: Smaller

    @Test func applyRefusedByTheLockSaysSoOnStandardError() async throws {
        try await withCatalog { conninfo in
            #expect(
                try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", temporary("l").path]).status
                    == 2)
            let holder = try PGConnectionHolder(conninfo: conninfo)
            defer { holder.release() }
            let config = try thresholdConfig()
            let apply = try await backstop(["apply", "--config", config, "--catalog", conninfo, "--run", "1", "--yes"])
            #expect(apply.status == 75)
            #expect(apply.err.contains("backstop: another Backstop run holds the lock"), "\(apply.err)")
        }
    }
}

extension ApplyTests {
    @Test func anApplyStoppedBySIGTERMMidPlanIsRecordedStoppedAndTheNextApplyRepeatsNoStep() async throws {
        let exit = try await interruptedApply { process, _, conninfo in
            // The batch in flight waits for a row lock: the signal cancels it (PQcancel), it rolls back whole.
            kill(process.process.processIdentifier, SIGTERM)
            let exit = process.wait()
            #expect(exit.status == 143, "\(exit.err)")
            let row = try sql(
                conninfo,
                "SELECT status, exit_code::text, signal::text, (finished_at IS NOT NULL)::text FROM backstop.run WHERE kind = 'apply'"
            )
            #expect(row == [["stopped", "143", "15", "true"]])
            #expect(
                try sql(
                    conninfo,
                    "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ) == [["0"]],
                "the lock is released before the row lock holder lets go")
        }
        #expect(exit.status == 143 && exit.reason == .exit)
        #expect(exit.err.contains("signal 15 (SIGTERM)"), "\(exit.err)")
    }
}
