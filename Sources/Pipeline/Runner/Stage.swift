public import BackstopModel
public import Logging

/// One step of a job (extract, reconcile, plan, apply, index): a value with a typed input, output and
/// error, run by a ``StageRunner`` that times it, records it in the run report, checks the run's
/// ``StopSwitch`` before it and turns a stop at one of its safe points into a `stopped` stage.
///
/// A stage does its work and nothing else: no timing, no ledger, no report lines. The shape is
/// swift-service-lifecycle's `Service` (one `run` requirement) with swift-nio's typed channel-handler ends
/// (`InboundIn`/`InboundOut`): a job is a list of stages whose outputs feed the next inputs.
///
/// Most stages are built from a closure with ``Stage``; a stage with settings of its own can conform
/// directly:
///
/// ```swift
/// struct Count: PipelineStage {
///     var name: String { "count" }
///     func run(_ rows: [Row], in context: StageContext) throws(CountError) -> StageOutput<Int> {
///         StageOutput(rows.count, summary: "\(rows.count) rows")
///     }
/// }
/// ```
public protocol PipelineStage<Input, Output> {
    /// What the stage reads (the previous stage's output, or `Void` for the first).
    associatedtype Input
    /// What the stage hands on.
    associatedtype Output
    /// The one error type the stage throws.
    associatedtype Failure: Error

    /// The stage's name in the run report and the log (`extract.catalog`, `index`).
    var name: String { get }

    /// Does the stage's work.
    ///
    /// - Parameters:
    ///   - input: The previous stage's output.
    ///   - context: The run's stop switch, logger and progress callback.
    /// - Returns: The output with its one-line summary for the report.
    /// - Throws: `Failure`; or ``StageStopped`` (through `Failure` = `any Error`) at a safe point after
    ///   the run's switch was thrown.
    func run(_ input: Input, in context: StageContext) throws(Failure) -> StageOutput<Output>
}

/// What a stage hands back: its value, the line the run report shows, and whether the value rests on
/// partial input (a truncated dump read with `--allow-partial`).
public struct StageOutput<Value> {
    /// The stage's result, the next stage's input.
    public var value: Value
    /// One line of what the stage did, for the report's stage table.
    public var summary: String
    /// Whether the value is incomplete (the stage is then recorded `partial`).
    public var partial: Bool

    /// Wraps a stage's result for the runner.
    /// - Parameters:
    ///   - value: The result.
    ///   - summary: One line of what the stage did.
    ///   - partial: Whether the result rests on partial input.
    public init(_ value: Value, summary: String, partial: Bool = false) {
        self.value = value
        self.summary = summary
        self.partial = partial
    }
}

/// A stage made of a name and a closure: how jobs declare most of their stages.
public struct Stage<Input, Output, Failure: Error>: PipelineStage {
    /// The stage's name in the run report and the log.
    public let name: String
    /// The work.
    private let body: (Input, StageContext) throws(Failure) -> StageOutput<Output>

    /// Declares a stage.
    /// - Parameters:
    ///   - name: The name in the run report and the log.
    ///   - body: The work: the input and the run's context in, the output and its summary out.
    public init(_ name: String, body: @escaping (Input, StageContext) throws(Failure) -> StageOutput<Output>) {
        self.name = name
        self.body = body
    }

    /// Runs the closure.
    /// - Parameters:
    ///   - input: The previous stage's output.
    ///   - context: The run's stop switch, logger and progress callback.
    /// - Returns: What the closure returns.
    /// - Throws: What the closure throws.
    public func run(_ input: Input, in context: StageContext) throws(Failure) -> StageOutput<Output> {
        try body(input, context)
    }
}

/// What a running stage may use from its run: the switch to poll at its safe points, the logger, and the
/// progress callback (the CLI draws it; a library never draws).
public struct StageContext: Sendable {
    /// The stage's name (for safe points, log metadata and progress).
    public let stage: String
    /// The run's stop switch: poll ``StopSwitch/safePoint(_:)`` between units of work and throw
    /// ``StageStopped`` when it answers `true`.
    public let stopSwitch: StopSwitch
    /// Where the stage logs.
    public let logger: Logger
    /// Where the stage reports the progress of its long work (the CLI draws it; a library never draws).
    public let progress: ProgressReporter

    /// Makes a context (the runner does; tests may too).
    /// - Parameters:
    ///   - stage: The stage's name.
    ///   - stopSwitch: The run's stop switch.
    ///   - logger: Where the stage logs.
    ///   - progress: Receives progress; ignores it by default.
    public init(stage: String, stopSwitch: StopSwitch, logger: Logger, progress: ProgressReporter = .ignored) {
        self.stage = stage
        self.stopSwitch = stopSwitch
        self.logger = logger
        self.progress = progress
    }

    /// Throws ``StageStopped`` when the run must stop here.
    /// - Parameters:
    ///   - point: The safe point's name (`index.batch`); a fault test can pause the process there.
    ///   - progress: What the stage has done so far, for the report (`"1200 rows read"`).
    /// - Throws: ``StageStopped`` when the switch is thrown.
    public func checkStop(at point: String, progress: @autoclosure () -> String) throws(StageStopped) {
        if stopSwitch.safePoint(point) {
            throw StageStopped(stage: stage, progress: progress(), reason: stopSwitch.reason)
        }
    }
}

/// Thrown by a stage at a safe point after the run's ``StopSwitch`` was thrown (its time limit passed, or a
/// signal arrived): the runner records the stage `stopped`, runs no further stage, and the run ends with a
/// partial but valid report.
public struct StageStopped: Error, CustomStringConvertible, Sendable {
    /// The stage that was running.
    public var stage: String
    /// What it had done.
    public var progress: String
    /// Why it stopped (`nil`: the time limit).
    public var reason: StopReason?

    /// Describes a stop.
    /// - Parameters:
    ///   - stage: The stage that was running.
    ///   - progress: What it had done (`"1200 rows read"`).
    ///   - reason: Why it stopped; `nil` for the time limit.
    public init(stage: String, progress: String, reason: StopReason? = nil) {
        self.stage = stage
        self.progress = progress
        self.reason = reason
    }

    /// `stopped by the time limit during extract.dump (1200 rows read)`.
    public var description: String {
        let cause = reason.flatMap { if case .signal = $0 { "\($0)" } else { nil } } ?? "the time limit"
        return "stopped by \(cause) during \(stage) (\(progress))"
    }
}

/// A stage's failure as the runner passes it on: which stage failed, and the error it threw, kept whole
/// (``underlyingError``) so that its module's code reaches the exit status and `error[<module>.<code>]:`.
public struct StageFailure: BackstopError {
    /// The stage that failed.
    public var stage: String
    /// What the stage threw.
    public var underlyingError: (any Error)?

    /// Wraps a stage's error.
    /// - Parameters:
    ///   - stage: The stage that failed.
    ///   - underlyingError: What it threw.
    public init(stage: String, underlyingError: any Error) {
        self.stage = stage
        self.underlyingError = underlyingError
    }

    /// The underlying error's description (the stage is named by the report's stage table).
    public var description: String { underlyingError.map { "\($0)" } ?? "stage \(stage) failed" }

    /// `pipeline`.
    public static var module: String { "pipeline" }
    /// `stageFailed`.
    public var codeName: String { "stageFailed" }
}
