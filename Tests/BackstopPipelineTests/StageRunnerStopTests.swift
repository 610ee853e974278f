import BackstopModel
import BackstopPipeline
import BackstopReport
import Foundation
import Logging
import Synchronization
import Testing

/// The runner's deadline and cancellation as a job meets them mid-run: a limit that passes while a stage
/// works, the cancel action's lifetime, and an error that is no stop although the limit has passed.
@Suite struct StageRunnerStopTests {
    let logger = Logger(label: "backstop.test")

    /// A failure of a stage under test.
    struct Broken: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    /// A time limit that passes while a stage works stops it at its next safe point: the stage is recorded
    /// `stopped` with its progress, every later stage of the chain is recorded `not run` (its input is
    /// missing), a stage outside the run is still `skipped`, and the run ends with 124.
    @Test func aDeadlinePassingDuringAStageStopsItAtItsNextSafePoint() throws {
        let stop = StopSwitch(deadline: Deadline(seconds: 0.05))
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        let batchesDone = Mutex(0)
        let extract = Stage<Void, [Int], Never>("extract.catalog") { _, _ in StageOutput([1, 2, 3], summary: "3 rows") }
        let index = Stage<[Int], Int, any Error>("index") { rows, context in
            for batch in 1...2_000 {
                try context.checkStop(at: "index.batch", progress: "\(batch - 1) batches saved")
                usleep(1_000)
                batchesDone.withLock { $0 = batch }
            }
            return StageOutput(rows.count, summary: "all batches")
        }
        let report = Stage<Int, Int, Never>("report") { value, _ in StageOutput(value, summary: "written") }

        let rows = try runner.run(extract, ())
        let indexed = try runner.run(index, rows)
        runner.skip("apply", because: "not asked for")
        let reported = try runner.run(report, indexed)

        let done = batchesDone.withLock { $0 }
        #expect(rows == [1, 2, 3] && indexed == nil && reported == nil)
        #expect(done >= 1 && done < 2_000, "the stage stopped part way, after \(done) batches")
        #expect(runner.records.map(\.name) == ["extract.catalog", "index", "apply", "report"])
        #expect(runner.records.map(\.status) == ["ok", "stopped", "skipped", "stopped"])
        #expect(runner.records[1].summary == "stopped by the time limit during index (\(done) batches saved)")
        #expect(runner.records[3].summary == "not run: --max-seconds 0.05 reached")
        let reason = try #require(runner.stopReason)
        #expect(reason.hasPrefix("--max-seconds 0.05 reached after "))
        #expect(reason.hasSuffix(" s: stopped by the time limit during index (\(done) batches saved)"))
        #expect(stop.stoppedStatus == .timedOut && ExitStatus.timedOut.rawValue == 124)
    }

    /// An error a stage throws after the time limit passed is a failure, not a stop: the limit cancels no
    /// work in flight, so only a signal turns an error into a stop (a full disk must not read as a timeout).
    @Test func anErrorAfterTheDeadlineIsStillAFailure() {
        let runner = StageRunner(stopSwitch: StopSwitch(deadline: Deadline(seconds: 0.01)), logger: logger)
        let write = Stage<Void, Int, Broken>("plan") { _, _ throws(Broken) in
            usleep(20_000)
            throw Broken()
        }
        let failure = #expect(throws: StageFailure.self) { try runner.run(write, ()) }
        #expect(failure?.underlyingError is Broken)
        #expect(runner.records.map(\.status) == ["failed"])
        #expect(runner.records.first?.summary == "disk full")
        #expect(!runner.isStopped && runner.stopReason == nil)
    }

    /// The cancel action (the run connection's `PQcancel`) is armed only while a stage runs: a signal between
    /// stages cancels nothing and stops the run before the next stage; a signal during a stage cancels it once.
    @Test func theCancelActionIsArmedOnlyWhileAStageRuns() throws {
        let stop = StopSwitch()
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        let cancelled = Mutex<[String]>([])
        let running = Mutex("")
        runner.cancel = { cancelled.withLock { $0.append(running.withLock { $0 }) } }
        let first = Stage<Void, Int, Never>("extract.catalog") { _, _ in
            running.withLock { $0 = "extract.catalog" }
            return StageOutput(1, summary: "read")
        }
        let second = Stage<Int, Int, Never>("extract.dump") { value, _ in
            running.withLock { $0 = "extract.dump" }
            return StageOutput(value, summary: "read")
        }
        #expect(try runner.run(first, ()) == 1)
        running.withLock { $0 = "between stages" }
        stop.stop(.signal(1))
        #expect(cancelled.withLock { $0 }.isEmpty, "no stage was running: nothing to cancel")
        #expect(try runner.run(second, 1) == nil)
        #expect(cancelled.withLock { $0 }.isEmpty, "a stage that does not start is not cancelled")
        #expect(runner.records.map(\.status) == ["ok", "stopped"])
        #expect(runner.records[1].summary == "not run: signal 1 (SIGHUP) received")
        #expect(runner.stopReason?.hasSuffix(", before extract.dump") == true)
        #expect(stop.stoppedStatus == .stopped(bySignal: 1))
    }

    /// A signal during a stage whose work is blocked (a COPY waiting on the server) runs the cancel action
    /// from the signalling thread while the stage is still inside; the stage's error then counts as the stop.
    @Test func aSignalCancelsTheBlockedWorkOfTheRunningStage() throws {
        let stop = StopSwitch()
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        let unblocked = Mutex(false)
        runner.cancel = { unblocked.withLock { $0 = true } }
        let copy = Stage<Void, Int, Broken>("extract.catalog") { _, _ throws(Broken) in
            let signaller = Thread { stop.stop(.signal(15)) }
            signaller.start()
            // Blocked until the cancel action runs (bounded, so a broken runner fails instead of hanging).
            for _ in 0..<5_000 where !unblocked.withLock({ $0 }) { usleep(1_000) }
            throw Broken()  // what a cancelled statement reports
        }
        #expect(try runner.run(copy, ()) == nil)
        #expect(unblocked.withLock { $0 })
        #expect(runner.records.map(\.status) == ["stopped"])
        #expect(
            runner.records[0].summary
                == "stopped by signal 15 (SIGTERM) received during extract.catalog (work in flight cancelled)")
        #expect(stop.stoppedStatus == .terminated)
    }
}
