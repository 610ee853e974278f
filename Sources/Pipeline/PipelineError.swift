public import BackstopModel

/// An error of the pipeline that composes the stages, with a machine-readable ``Code`` and the run when
/// one was started.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// The job is not configured to run (no Bitrix dump given).
        case configuration
        /// The catalog database cannot be reached.
        case connection
        /// A stage failed; the run is recorded as failed and its report names the cause.
        case runFailed
        /// A merge plan cannot be found, read or applied (no plan for the run, not a plan this build
        /// reads, a batch rolled back).
        case plan
        /// A plan or report file cannot be read or written.
        case io
        /// The run asked for is not in the run ledger.
        case unknownRun
        /// A `--shop` (or `--partition`) value the catalog does not have: a usage error (exit 64).
        case shopSelection
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The run it ended, when one was recorded.
    public var runID: Int64?
    /// The error that caused this one (a stage's own error, with its module's code), kept whole.
    public var underlyingError: (any Error)?

    /// Makes an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: What went wrong, for people.
    ///   - runID: The run it ended, when one was recorded.
    ///   - underlyingError: The error that caused it, when it wraps one.
    public init(_ code: Code, _ message: String, runID: Int64? = nil, underlyingError: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.runID = runID
        self.underlyingError = underlyingError
    }

    /// The message (it names the run itself when there is one).
    public var description: String { message }
}

extension PipelineError: BackstopError {
    /// `pipeline`.
    public static var module: String { "pipeline" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
