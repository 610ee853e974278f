import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// Reads a JSON object file.
func jsonObject(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// The operator-facing contracts of a run, end to end on the tiny world: history across runs, re-rendering,
/// the lock holder, secrets, log format, progress and the time limit.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct RunReportsTests {
    let world = RepoPaths.data.appendingPathComponent("tiny")
    var dump: String { world.appendingPathComponent("bitrix/dump.sql").path }

    func withTinyCatalog(_ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase(prefix: "reports") { conninfo in
            let load = try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo])
            #expect(load.status == 0, "\(load.err)")
            let migrate = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(migrate.status == 0, "\(migrate.err)")
            try await body(conninfo)
        }
    }

    func temporaryFolder(_ prefix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }

    /// Run 1, then one planted finding fixed and one new drift, then run 2: run 2 marks findings new,
    /// persisting (open since run 1) and resolved, and `backstop report --run 2` renders the same files.
    @Test func aSecondRunMarksFindingsNewPersistingAndResolvedAndRendersAgainIdentically() async throws {
        try await withTinyCatalog { conninfo in
            let reports = temporaryFolder("history")
            let first = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", reports.path,
            ])
            #expect(first.status == 2, "\(first.err)")
            let run1 = reports.appendingPathComponent("000001-nightly")
            let findings1 = try #require(
                (try jsonObject(run1.appendingPathComponent("report.json")))["discrepancies"] as? [[String: Any]])
            #expect(findings1.allSatisfy { $0["state"] as? String == "new" })

            // Fix one price finding in the catalog, and make a new one on a product the run found nothing on.
            let price = try #require(
                findings1.first { $0["kind"] as? String == "product.field" && $0["field"] as? String == "price" })
            let fixedKey = try #require(price["key"] as? String)
            let kopecks = try #require((price["bitrix_normalized"] as? String).flatMap { Int64($0) })
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            try connection.execute("UPDATE product SET price = \(kopecks) WHERE id = \(try #require(Int64(fixedKey)))")
            let flagged = Set(findings1.compactMap { $0["key"] as? String })
            let candidates = try connection.execute(
                "SELECT id FROM product WHERE shop_id = 17008 AND enabled AND price > 0 ORDER BY id")
            let newKey = try #require(
                (0..<candidates.rowCount).compactMap { candidates.string(row: $0, column: 0) }.first {
                    !flagged.contains($0)
                })
            try connection.execute("UPDATE product SET price = price + 100 WHERE id = \(try #require(Int64(newKey)))")

            let second = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", reports.path,
            ])
            #expect(second.status == 2, "\(second.err)")
            let run2 = reports.appendingPathComponent("000002-nightly")
            let report = try jsonObject(run2.appendingPathComponent("report.json"))
            let history = try #require(report["history"] as? [String: Any])
            #expect((history["previous_run"] as? [String: Any])?["id"] as? Int == 1)
            #expect(history["new"] as? Int == 1)
            #expect(history["resolved"] as? Int == 1)
            #expect(history["persisting"] as? Int == findings1.count - 1)
            #expect((history["trend"] as? [[String: Any]])?.compactMap { $0["run"] as? Int } == [1, 2])
            let findings2 = try #require(report["discrepancies"] as? [[String: Any]])
            let new = try #require(findings2.first { $0["state"] as? String == "new" })
            #expect(new["key"] as? String == newKey && new["field"] as? String == "price")
            #expect(new["first_seen_run"] as? Int == 2)
            let persisting = findings2.filter { $0["state"] as? String == "persisting" }
            #expect(persisting.allSatisfy { $0["first_seen_run"] as? Int == 1 })
            let resolved = try #require(report["resolved"] as? [[String: Any]])
            #expect(resolved.map { $0["key"] as? String } == [fixedKey])
            // Update times reach both sides: Bitrix TIMESTAMP_X / DATE_UPDATE and catalog updated_at pair up.
            let latency = try #require((report["webhook_health"] as? [String: Any])?["latency"] as? [[String: Any]])
            #expect(latency.compactMap { $0["entity"] as? String } == ["product", "order"])
            #expect(latency.allSatisfy { ($0["pairs"] as? Int ?? 0) > 0 }, "\(latency)")
            let markdown = try String(contentsOf: run2.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(markdown.contains("**1 new**, \(findings1.count - 1) persisting, 1 resolved"))

            let again = temporaryFolder("rerender")
            let render = try await backstop([
                "report", "--catalog", conninfo, "--run", "2", "--format", "json", "--format", "md", "--format", "html",
                "--format", "junit", "--format", "csv", "--out", again.path,
            ])
            #expect(render.status == 0, "\(render.err)")
            for file in ["report.json", "report.md", "report.html", "junit.xml", "csv/product.field.csv"] {
                let original = try Data(contentsOf: run2.appendingPathComponent(file))
                let rendered = try Data(contentsOf: again.appendingPathComponent(file))
                #expect(original == rendered, "\(file) of run 2 renders the same again")
            }
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            #expect(runs.out.split(separator: "\n").count == 2)
        }
    }

    /// A second concurrent nightly exits 75 naming the run that holds the lock. The first run reads its dump
    /// from a FIFO, so it holds the lock (after reading the catalog) until the test feeds it the dump.
    @Test(.timeLimit(.minutes(3))) func aSecondConcurrentNightlyNamesTheHoldersRun() async throws {
        try await withTinyCatalog { conninfo in
            let folder = temporaryFolder("lock")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let fifo = folder.appendingPathComponent("dump.sql")
            #expect(mkfifo(fifo.path, 0o600) == 0)
            let first = Process()
            first.executableURL = RepoPaths.backstopBinary
            first.arguments = ["nightly", "--catalog", conninfo, "--dump", fifo.path, "--report-dir", folder.path]
            first.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            first.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try first.run()
            defer { if first.isRunning { first.terminate() } }

            // Wait until run 1 is running and has announced itself on its session (in this database: tests
            // running at the same time have a run 1 of their own).
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            var announced = false
            for _ in 0..<300 where !announced {
                let rows = try connection.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE application_name = 'backstop nightly run 1' AND datname = current_database()"
                )
                announced = rows.rowCount == 1
                if !announced { usleep(100_000) }
            }
            #expect(announced, "the first run announced itself")

            let second = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", folder.path,
            ])
            #expect(second.status == 75, "\(second.err)")
            #expect(second.err.contains("another Backstop run holds the lock on this catalog"), "\(second.err)")
            #expect(second.err.contains("run 1 (nightly, started "), "the holder's run is named: \(second.err)")

            // Feed the first run its dump; it finishes normally.
            let writer = try #require(FileHandle(forWritingAtPath: fifo.path))
            writer.write(try Data(contentsOf: URL(fileURLWithPath: dump)))
            try writer.close()
            first.waitUntilExit()
            #expect(first.terminationStatus == 2)
        }
    }

    /// Passwords in a conninfo or URI never reach backstop.run, the logs (JSON lines, trace level) or a report.
    @Test func secretsAreRedactedInTheLedgerLogsAndReports() async throws {
        try await withTinyCatalog { conninfo in
            let secret = "Sup3rS3cretPassw0rd"
            // The test server trusts local connections, so any password is accepted and ignored.
            let withPassword = conninfo + " password=\(secret)"
            let out = temporaryFolder("secrets")
            let run = try await backstop([
                "diff", "--catalog", withPassword, "--dump", dump, "--out", out.path, "--log-level", "trace",
                "--log-format", "json", "--token", secret,
            ])
            // --token is not an option of diff: usage error, and the secret must not be echoed either.
            #expect(run.status == 64)
            #expect(!run.err.contains(secret), "usage errors are redacted: \(run.err)")

            let diff = try await backstop(
                [
                    "diff", "--catalog", withPassword, "--dump", dump, "--out", out.path, "--log-level", "trace",
                    "--log-format", "json",
                ])
            #expect(diff.status == 2, "\(diff.err)")
            #expect(!diff.err.contains(secret) && !diff.out.contains(secret))
            let lines = diff.err.split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
            }
            for file in try FileManager.default.subpathsOfDirectory(atPath: out.path) {
                var isDirectory: ObjCBool = false
                let path = out.appendingPathComponent(file).path
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
                #expect(!text.contains(secret), "\(file) holds the password")
            }
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            let stored = try connection.execute(
                "SELECT arguments::text, inputs::text, coalesce(report::text, '') FROM backstop.run")
            for row in 0..<stored.rowCount {
                for column in 0..<3 {
                    let text = stored.string(row: row, column: column) ?? ""
                    #expect(!text.contains(secret), "backstop.run holds the password: \(text)")
                }
            }
            #expect((stored.string(row: 0, column: 0) ?? "").contains("password=***"), "the argument is kept, masked")
        }
    }

    /// Bars only on a terminal: none of their control bytes when stderr is a pipe; a bar under `script(1)`.
    @Test func progressBarsAppearOnATerminalOnly() async throws {
        try await withTinyCatalog { conninfo in
            let out = temporaryFolder("progress")
            let piped = try await backstop(["diff", "--catalog", conninfo, "--dump", dump, "--out", out.path])
            #expect(piped.status == 2)
            #expect(!piped.err.contains("\r") && !piped.err.contains("\u{1B}"), "no bar on a pipe: \(piped.err)")
            let command = out.appendingPathExtension("sh")
            try "\(backstopPath) diff --catalog '\(conninfo)' --dump '\(dump)' --out '\(out.path)'\necho exit=$?\n"
                .write(to: command, atomically: true, encoding: .utf8)
            let terminal = try await shell("timeout 120 script -qec 'sh \(command.path)' /dev/null")
            #expect(terminal.out.contains("exit=2"), "\(terminal.out)")
            #expect(terminal.out.contains("extract.dump"), "a bar for the dump: \(terminal.out)")
            #expect(terminal.out.contains("\u{1B}[2K"), "the bar is drawn and cleared")
        }
    }

    /// `--max-seconds 0` stops before the first stage: exit 124, status timed_out, every stage `stopped`,
    /// and a complete report set that still validates.
    @Test func maxSecondsEndsTheRunWithAPartialButValidReport() async throws {
        try await withTinyCatalog { conninfo in
            let reports = temporaryFolder("deadline")
            let run = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", reports.path, "--max-seconds", "0",
            ])
            #expect(run.status == 124, "\(run.err)")
            let folder = reports.appendingPathComponent("000001-nightly")
            let report = try jsonObject(folder.appendingPathComponent("report.json"))
            let runObject = try #require(report["run"] as? [String: Any])
            #expect(runObject["status"] as? String == "timed_out")
            #expect(runObject["exit_code"] as? Int == 124)
            #expect((runObject["stop_reason"] as? String)?.contains("--max-seconds 0") == true)
            let stages = try #require(report["stages"] as? [[String: Any]])
            #expect(
                stages.compactMap { $0["name"] as? String } == [
                    "extract.catalog", "extract.dump", "reconcile", "plan", "index",
                ])
            #expect(stages.allSatisfy { $0["status"] as? String == "stopped" }, "\(stages)")
            for file in ["report.html", "report.md", "junit.xml", "metrics.prom", "discrepancies.ndjson"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
            }
            let prom = try String(contentsOf: folder.appendingPathComponent("metrics.prom"), encoding: .utf8)
            #expect(prom.contains("backstop_run_exit_code{run_kind=\"nightly\",shop=\"17008\"} 124"))
            #expect(!prom.contains("backstop_last_success_timestamp_seconds"), "no run of this kind ever succeeded")
            let schema = RepoPaths.root.appendingPathComponent("schema/report.schema.json").path
            let check = try await Executable.runProgram(
                "/usr/bin/python3",
                [
                    "-c",
                    "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                    schema, folder.appendingPathComponent("report.json").path,
                ])
            #expect(check.status == 0, "\(check.err)")
            // A timed-out run is never the baseline of the next one.
            let next = try await backstop([
                "nightly", "--catalog", conninfo, "--dump", dump, "--report-dir", reports.path,
            ])
            #expect(next.status == 2)
            let history = try #require(
                try jsonObject(reports.appendingPathComponent("000002-nightly/report.json"))["history"]
                    as? [String: Any])
            #expect(history["previous_run"] is NSNull)
        }
    }

    /// `make demo`'s script piped through `cat` returns and ends with a file:// URL of report.html (its own
    /// cluster and report folder, so the test shares nothing with a developer's demo).
    @Test(.timeLimit(.minutes(10))) func theDemoThroughAPipeReturnsAndEndsWithTheReportURL() async throws {
        let folder = temporaryFolder("demo")
        let environment = [
            "BACKSTOP_PG_DIR": folder.appendingPathComponent("pg").path,
            "BACKSTOP_REPORT_DIR": folder.appendingPathComponent("reports").path,
        ]
        // Cleanup runs after the body whether it throws or not (a defer cannot await).
        let cleanup = {
            _ = try? await shell("\(backstopPath) db down; rm -rf '\(folder.path)'", environment: environment)
        }
        do {
            let worldgenPath = RepoPaths.backstopBinary.deletingLastPathComponent().appendingPathComponent("worldgen")
                .path
            let script = RepoPaths.root.appendingPathComponent("scripts/demo.sh").path
            let result = try await shell(
                "timeout 600 '\(script)' \(backstopPath) '\(worldgenPath)' 2>&1 | cat", environment: environment)
            #expect(result.status == 0, "\(result.out.suffix(3000))")
            let last = try #require(result.out.split(separator: "\n").last.map(String.init))
            let url = try #require(
                last.split(separator: " ").last.map(String.init).flatMap(URL.init(string:)), "\(last)")
            #expect(url.scheme == "file" && url.lastPathComponent == "report.html", "\(last)")
            #expect(FileManager.default.fileExists(atPath: url.path), "\(url.path)")
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }
}
