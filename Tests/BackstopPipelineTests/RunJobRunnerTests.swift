import BackstopModel
import BackstopPipeline
import BackstopPostgres
import BackstopReport
import BackstopStore
import BackstopTestSupport
import Foundation
import Logging
import Testing

/// A `diff` job composed on the runner, run as a library call against a scratch catalog (no binary): a
/// failing stage's own error decides the exit status and is recorded in the ledger and the report; a time
/// limit or a signal stops the run before its first stage with a valid report and its own exit status.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG (make test starts a private server)"))
struct RunJobRunnerTests {
    /// A catalog with the upstream tables and Backstop's schema, a job of `kind` on it with `dump`, and a
    /// fresh report folder; `body` gets the job and a ledger on a second connection.
    func withJob(
        dump: String, _ body: (_ job: RunJob, _ ledger: RunLedger, _ reports: URL) throws -> Void
    ) throws {
        try TestDatabase.withScratchDatabase(prefix: "pipeline") { conninfo in
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            try CatalogSchema.create(from: RepoPaths.catalogSchema, on: connection)
            _ = try BackstopSchema.locate().migrate(on: connection, logger: TestDatabase.quietLogger)
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: reports) }
            var configuration = BackstopConfiguration()
            configuration.catalogConninfo = conninfo
            configuration.bitrix.dumps = [dump]
            configuration.bitrix.readThreads = 1
            configuration.report.directory = reports.path
            let job = RunJob(
                kind: "diff", configuration: configuration, allowPartial: false, formats: [JSONReportFormat()],
                arguments: ["backstop", "diff"], logger: TestDatabase.quietLogger, version: "test")
            try body(job, RunLedger(connection: connection), reports)
        }
    }

    /// The stage lines of a run's `report.json`: name and status.
    func stages(in folder: URL) throws -> [String] {
        let data = try Data(contentsOf: folder.appendingPathComponent("report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let stages = try #require(report["stages"] as? [[String: Any]])
        return stages.map { "\($0["name"] ?? "?") \($0["status"] ?? "?")" }
    }

    /// A stage that fails (`extract.dump` on a dump that is not there) ends the run `failed`: the thrown
    /// error keeps the stage's own error as its root cause, whose code is the `error[…]` line's and decides
    /// the exit status, the ledger's exit code is the same, and the report names the failed stage after the
    /// one that completed.
    @Test func aFailingStagesCauseReachesTheExitCodeTheLedgerAndTheReport() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dump-\(UUID()).sql")
        try withJob(dump: missing.path) { job, ledger, reports in
            let error = try #require(throws: PipelineError.self) { try job.run() }
            let root = try #require(ErrorChain.rootCause(of: error))
            #expect(!(root is PipelineError) && !(root is StageFailure), "the root is the stage's own error: \(root)")
            #expect(ErrorChain.unwrap(error).contains { ($0 as? StageFailure)?.stage == "extract.dump" })
            #expect(ErrorChain.line(for: error).hasPrefix("error[\(root.qualifiedCode)]: run 1 failed: "))
            #expect(ErrorChain.line(for: error).contains(missing.lastPathComponent))
            #expect(root.qualifiedCode == "extract.io", "a dump that cannot be opened")
            let status = BackstopModel.ExitStatus(for: error)
            #expect(status == BackstopModel.ExitStatus(for: root) && status == .failure)
            let run = try #require(try ledger.run(id: 1))
            #expect(run.status == .failed && run.exitCode == Int(status.rawValue))
            let folder = reports.appendingPathComponent("000001-diff")
            #expect(try stages(in: folder) == ["extract.catalog ok", "extract.dump failed"])
        }
    }

    /// A time limit already passed, or a signal already received, stops the run before its first stage: every
    /// stage is recorded `stopped` (`not run`), `index` is `skipped` (not part of a diff), the dump is never
    /// opened, the ledger row is `timed_out` or `stopped` with the exit status, and the report is written.
    @Test(arguments: [
        (StopReason?.none, BackstopModel.ExitStatus.timedOut, RunStatus.timedOut),
        (StopReason.signal(15), BackstopModel.ExitStatus.terminated, RunStatus.stopped),
    ])
    func aStopBeforeTheFirstStageEndsTheRunWithItsStatus(
        signal: StopReason?, expected: BackstopModel.ExitStatus, recorded: RunStatus
    ) throws {
        try withJob(dump: "/nonexistent/never-opened.sql") { job, ledger, reports in
            var job = job
            let stop = StopSwitch(deadline: Deadline(seconds: signal == nil ? 0 : nil))
            if let signal { stop.stop(signal) }
            job.stopSwitch = stop
            let result = try job.run()
            #expect(result.status == expected)
            let run = try #require(try ledger.run(id: 1))
            #expect(run.status == recorded && run.exitCode == Int(expected.rawValue))
            #expect(
                try stages(in: reports.appendingPathComponent("000001-diff")) == [
                    "extract.catalog stopped", "extract.dump stopped", "reconcile stopped", "plan stopped",
                    "index skipped",
                ])
        }
    }
}
