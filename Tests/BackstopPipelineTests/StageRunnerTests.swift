import BackstopModel
import BackstopPipeline
import BackstopReport
import Logging
import Synchronization
import Testing

/// A failure of a stage under test: a Backstop module error with a chosen code.
private struct ProbeError: BackstopError {
    static var module: String { "probe" }
    var codeName: String
    var description: String { "probe failed with \(codeName)" }
}

@Suite struct StageRunnerTests {
    let logger = Logger(label: "backstop.test")

    /// Stages run in order, each output feeding the next input, each recorded with its summary.
    @Test func stagesRunInOrderAndFeedEachOther() throws {
        let runner = StageRunner(stopSwitch: StopSwitch(), logger: logger)
        let order = Mutex<[String]>([])
        let read = Stage<Void, [Int], Never>("read") { _, _ in
            order.withLock { $0.append("read") }
            return StageOutput([3, 1, 2], summary: "3 rows")
        }
        let sort = Stage<[Int], [Int], Never>("sort") { rows, _ in
            order.withLock { $0.append("sort") }
            return StageOutput(rows.sorted(), summary: "sorted", partial: true)
        }
        let sum = Stage<[Int], Int, Never>("sum") { rows, _ in
            order.withLock { $0.append("sum") }
            return StageOutput(rows.reduce(0, +), summary: "summed")
        }
        let rows = try runner.run(read, ())
        let sorted = try runner.run(sort, rows)
        let total = try runner.run(sum, sorted)
        runner.skip("index", because: "not part of a diff run")

        #expect(sorted == [1, 2, 3])
        #expect(total == 6)
        #expect(order.withLock { $0 } == ["read", "sort", "sum"])
        #expect(runner.records.map(\.name) == ["read", "sort", "sum", "index"])
        #expect(runner.records.map(\.status) == ["ok", "partial", "ok", "skipped"])
        #expect(runner.records.map(\.summary) == ["3 rows", "sorted", "summed", "not part of a diff run"])
        #expect(!runner.isStopped && runner.stopReason == nil)
    }

    /// A failing stage is recorded `failed`, and its own error, kept whole through the runner's and the
    /// job's wrapping, decides the exit status and the `error[<module>.<code>]` line.
    @Test(arguments: [
        ("configuration", BackstopModel.ExitStatus.usage), ("truncated", BackstopModel.ExitStatus.failure),
    ])
    func aFailingStagesCauseReachesTheExitStatus(code: String, expected: BackstopModel.ExitStatus) throws {
        let runner = StageRunner(stopSwitch: StopSwitch(), logger: logger)
        let failing = Stage<Void, Int, ProbeError>("extract.dump") { _, _ throws(ProbeError) in
            throw ProbeError(codeName: code)
        }
        let failure = try #require(throws: StageFailure.self) { try runner.run(failing, ()) }
        #expect(failure.stage == "extract.dump")
        #expect((failure.underlyingError as? ProbeError)?.codeName == code)
        #expect(runner.records.map(\.status) == ["failed"])
        #expect(runner.records.first?.summary == "probe failed with \(code)")

        let wrapped = PipelineError(.runFailed, "run 7 failed: \(failure)", runID: 7, underlyingError: failure)
        #expect(BackstopModel.ExitStatus(for: wrapped) == expected)
        #expect(ErrorChain.rootCause(of: wrapped)?.qualifiedCode == "probe.\(code)")
        #expect(ErrorChain.line(for: wrapped) == "error[probe.\(code)]: run 7 failed: probe failed with \(code)")
        #expect(ErrorChain.unwrap(wrapped).count == 3)
    }

    /// An error of no Backstop module is a plain failure.
    @Test func anErrorOfNoModuleIsAFailure() {
        struct Other: Error {}
        #expect(BackstopModel.ExitStatus(for: Other()) == .failure)
        #expect(ErrorChain.rootCause(of: Other()) == nil)
    }

    /// A passed deadline stops the run before the next stage: the stage is recorded `stopped`, not run, and
    /// the stop reason names the limit.
    @Test func aPassedDeadlineStopsBeforeTheNextStage() throws {
        let runner = StageRunner(stopSwitch: StopSwitch(deadline: Deadline(seconds: 0)), logger: logger)
        let ran = Mutex(false)
        let stage = Stage<Void, Int, Never>("extract.catalog") { _, _ in
            ran.withLock { $0 = true }
            return StageOutput(1, summary: "read")
        }
        let value = try runner.run(stage, ())
        #expect(value == nil)
        #expect(!ran.withLock { $0 })
        #expect(runner.isStopped)
        #expect(runner.stopReason?.hasPrefix("--max-seconds 0 reached after") == true)
        #expect(runner.stopReason?.hasSuffix(", before extract.catalog") == true)
        #expect(runner.records.map(\.status) == ["stopped"])
        #expect(runner.stopSwitch.stoppedStatus == .timedOut)
    }

    /// A stage that reaches a safe point after a signal threw the switch stops there: recorded `stopped` with
    /// its progress, the later stages are not run, and the run ends with 128 + the signal.
    @Test func aSignalStopsTheStageAtItsSafePoint() throws {
        let stop = StopSwitch()
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        let cancelled = Mutex(0)
        runner.cancel = { cancelled.withLock { $0 += 1 } }
        let rolledBack = Mutex(false)
        runner.afterStop = { rolledBack.withLock { $0 = true } }
        let batches = Stage<Void, Int, any Error>("index") { _, context in
            for batch in 1...10 {
                if batch == 3 { stop.stop(.signal(15)) }  // SIGTERM arrives during the third batch
                try context.checkStop(at: "index.batch", progress: "\(batch) batches saved")
            }
            return StageOutput(10, summary: "all batches")
        }
        let after = Stage<Int, Int, Never>("report") { value, _ in StageOutput(value, summary: "written") }
        let saved = try runner.run(batches, ())
        let reported = try runner.run(after, saved)

        #expect(saved == nil && reported == nil)
        #expect(runner.records.map(\.name) == ["index", "report"])
        #expect(runner.records.map(\.status) == ["stopped", "stopped"])
        #expect(runner.records[0].summary == "stopped by signal 15 (SIGTERM) received during index (3 batches saved)")
        #expect(runner.records[1].summary == "not run: signal 15 (SIGTERM) received")
        #expect(runner.stopReason?.hasPrefix("signal 15 (SIGTERM) received after") == true)
        #expect(cancelled.withLock { $0 } == 1, "the stage's cancel action runs once when the switch is thrown")
        #expect(rolledBack.withLock { $0 })
        #expect(stop.stoppedStatus == .terminated)
    }

    /// Work the switch cancelled in flight (a statement failing with 57014) is a stop, not a failure.
    @Test func workCancelledInFlightIsAStop() throws {
        let stop = StopSwitch()
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        let copy = Stage<Void, Int, ProbeError>("extract.catalog") { _, _ throws(ProbeError) in
            stop.stop(.signal(2))
            throw ProbeError(codeName: "statement")  // what a cancelled COPY reports
        }
        #expect(try runner.run(copy, ()) == nil)
        #expect(runner.records.map(\.status) == ["stopped"])
        #expect(runner.records[0].summary.contains("signal 2 (SIGINT)"))
        #expect(stop.stoppedStatus == .interrupted)
    }

    /// Without a thrown switch, the same error is a failure.
    @Test func anErrorWithoutAStopIsAFailure() {
        let runner = StageRunner(stopSwitch: StopSwitch(), logger: logger)
        let copy = Stage<Void, Int, ProbeError>("extract.catalog") { _, _ throws(ProbeError) in
            throw ProbeError(codeName: "statement")
        }
        #expect(throws: StageFailure.self) { try runner.run(copy, ()) }
        #expect(runner.records.map(\.status) == ["failed"])
        #expect(!runner.isStopped)
    }

    /// A stage's progress reaches the runner's reporter (the CLI draws it): started, each update, finished.
    @Test func progressReachesTheReporter() throws {
        let runner = StageRunner(stopSwitch: StopSwitch(), logger: logger)
        let seen = Mutex<[ProgressEvent]>([])
        runner.progress = ProgressReporter { event in seen.withLock { $0.append(event) } }
        let stage = Stage<Void, Void, Never>("extract.dump") { _, context in
            let bar = context.progress.start(context.stage, total: 10, unit: .bytes)
            bar.update(5)
            bar.finish()
            return StageOutput((), summary: "done")
        }
        try runner.run(stage, ())
        #expect(
            seen.withLock { $0 } == [
                ProgressEvent(label: "extract.dump", phase: .started, done: 0, total: 10, unit: .bytes),
                ProgressEvent(label: "extract.dump", phase: .advanced, done: 5, total: nil, unit: .bytes),
                ProgressEvent(label: "extract.dump", phase: .finished, done: 0, total: nil, unit: .bytes),
            ])
    }
}

extension StageRunnerTests {
    /// A stage that always does its first unit of work starts although the switch is thrown, and stops at its
    /// first safe point (`reindex --max-seconds 0` saves one batch).
    @Test func aStageMayStartWhenStoppedAndStopAtItsFirstSafePoint() throws {
        let runner = StageRunner(stopSwitch: StopSwitch(deadline: Deadline(seconds: 0)), logger: logger)
        let batches = Mutex(0)
        let index = Stage<Void, Int, any Error>("index.full") { _, context in
            for batch in 1...5 {
                batches.withLock { $0 = batch }
                try context.checkStop(at: "index.batch", progress: "\(batch) batch saved")
            }
            return StageOutput(5, summary: "all")
        }
        #expect(try runner.run(index, (), evenIfStopped: true) == nil)
        #expect(batches.withLock { $0 } == 1)
        #expect(runner.records.map(\.summary) == ["stopped by the time limit during index.full (1 batch saved)"])
    }
}
