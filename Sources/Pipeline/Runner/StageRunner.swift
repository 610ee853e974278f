public import BackstopModel
public import BackstopReport
import Dispatch
public import Logging

/// Runs a job's stages in order and keeps the run's book of them: each stage is timed and recorded as a
/// `RunReport/Stage` line (`ok`, `partial`, `stopped`, `failed`, `skipped`), the run's ``StopSwitch`` is
/// checked before each stage, a stage that stops at a safe point ends the run early with a partial but
/// valid report, and a failing stage's error is passed on whole as a ``StageFailure``.
///
/// A job is a short composition:
///
/// ```swift
/// let runner = StageRunner(stopSwitch: stop, logger: logger)
/// let catalog = try runner.run(extractCatalog, ())
/// let bitrix = try runner.run(extractDump, catalog)    // not run (recorded `stopped`) when catalog is nil
/// let result = try runner.run(reconcile, bitrix)
/// ```
///
/// Where the other parts plug in:
/// - Signals: the CLI installs a `SignalTrap` on the same switch; a thrown switch stops the run before the
///   next stage, stages see it at their safe points (``StageContext/checkStop(at:progress:)``), and
///   ``cancel`` (the run connection's `PQcancel`) is registered with it for the length of each stage.
/// - Per-shop work: run one set of stages per shop on one runner (stage names carry the shop,
///   `extract.catalog[shop 17008]`), or one runner per shop that shares the switch.
/// - Progress: ``progress`` is every stage's ``StageContext/progress``; the CLI passes one that draws.
public final class StageRunner {
    /// The run's stop switch (time limit and signals).
    public let stopSwitch: StopSwitch
    /// Where the runner logs each stage's end.
    public let logger: Logger
    /// Receives the stages' progress (the CLI draws a bar); ignored by default.
    public var progress: ProgressReporter = .ignored
    /// Cancels blocked work (a COPY waiting on the server): registered with the switch while each stage
    /// runs, so that a signal interrupts it.
    public var cancel: (@Sendable () -> Void)?
    /// Whether an error a stage threw is the switch's ``cancel`` taking effect (a cancelled statement) and so
    /// a stop rather than a failure; by default, any error once a signal threw the switch.
    public var isCancellation: (any Error) -> Bool
    /// Runs after a stage stopped (a job rolls back the transaction the stage left open).
    public var afterStop: () -> Void = {}

    /// The stage lines of the run report, in the order run.
    public private(set) var records: [RunReport.Stage] = []
    /// Why the run stopped early (`--max-seconds 600 reached after 600.1 s, before index`); `nil` while it
    /// has not.
    public private(set) var stopReason: String?

    /// Makes a runner for one run.
    /// - Parameters:
    ///   - stopSwitch: The run's switch; stages run until it is thrown.
    ///   - logger: Where the runner logs.
    public init(stopSwitch: StopSwitch, logger: Logger) {
        self.stopSwitch = stopSwitch
        self.logger = logger
        self.isCancellation = { _ in stopSwitch.isSignalled }
    }

    /// Whether a stage stopped, or the switch was found thrown before one.
    public var isStopped: Bool { stopReason != nil }

    /// Runs one stage, unless the run has stopped or the stage's input is missing (the stage that should have
    /// made it stopped): then the stage is recorded `stopped` (`not run: …`) and nothing runs.
    ///
    /// - Parameters:
    ///   - stage: The stage.
    ///   - input: Its input; `nil` when an earlier stage stopped before making it.
    ///   - evenIfStopped: Start the stage although the switch is already thrown, for a stage that always
    ///     saves its first unit of work before its first safe point (`reindex`: one batch of images, so
    ///     that runs under a short `--max-seconds` still make progress and resume).
    /// - Returns: The stage's output; `nil` when it did not run or stopped at a safe point.
    /// - Throws: ``StageFailure`` with the stage's error when it failed (recorded `failed` first).
    @discardableResult
    public func run<S: PipelineStage>(_ stage: S, _ input: S.Input?, evenIfStopped: Bool = false) throws(StageFailure)
        -> S.Output?
    {
        let name = stage.name
        if stopReason == nil, stopSwitch.isStopped, !evenIfStopped {
            stopReason = stopSwitch.reached(", before \(name)")
        }
        guard stopReason == nil, let input else {
            let why = stopSwitch.reason.map { "\($0)" } ?? "an earlier stage stopped"
            records.append(.init(name: name, status: "stopped", summary: "not run: \(why)", seconds: 0))
            return nil
        }
        let started = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds &- started) / 1e9 }
        let context = StageContext(stage: name, stopSwitch: stopSwitch, logger: logger, progress: progress)
        do {
            let output = try stopSwitch.onStop(cancel ?? {}) { try stage.run(input, in: context) }
            records.append(
                .init(
                    name: name, status: output.partial ? "partial" : "ok", summary: output.summary, seconds: seconds()))
            logger.info("stage finished", metadata: ["stage": "\(name)", "summary": "\(output.summary)"])
            return output.value
        } catch let stopped as StageStopped {
            stopSwitch.settle()
            afterStop()
            stopReason = stopSwitch.reached(": \(stopped)")
            records.append(.init(name: name, status: "stopped", summary: "\(stopped)", seconds: seconds()))
            logger.warning(
                "run stopped", metadata: ["stage": "\(name)", "reason": "\(stopSwitch.reason.map { "\($0)" } ?? "")"])
            return nil
        } catch  where settled(isCancellation(error)) {
            // The switch cancelled work in flight (SQLSTATE 57014 for a statement): the stage stopped there.
            afterStop()
            let summary =
                "stopped by \(stopSwitch.reason.map { "\($0)" } ?? "a signal") during \(name) (work in flight cancelled)"
            stopReason = stopSwitch.reached(": \(summary)")
            records.append(.init(name: name, status: "stopped", summary: summary, seconds: seconds()))
            logger.warning("run stopped", metadata: ["stage": "\(name)", "cancelled": "\(error)"])
            return nil
        } catch {
            records.append(
                .init(name: name, status: "failed", summary: Redaction.redact("\(error)"), seconds: seconds()))
            throw StageFailure(stage: name, underlyingError: error)
        }
    }

    /// Adds a line of the job's own to the stage table (a warning row: `index.embeddings`).
    /// - Parameter record: The line.
    public func append(_ record: RunReport.Stage) {
        records.append(record)
    }

    /// `isCancellation` asked after any stop in progress has published its reason (a statement cancelled by
    /// the switch fails before that).
    private func settled(_ check: @autoclosure () -> Bool) -> Bool {
        stopSwitch.settle()
        return check()
    }

    /// Records a stage that is not part of this run (`index` in a `diff` run).
    /// - Parameters:
    ///   - name: The stage's name.
    ///   - reason: Why it does not run, for the report.
    public func skip(_ name: String, because reason: String) {
        records.append(.init(name: name, status: "skipped", summary: reason, seconds: 0))
    }
}
