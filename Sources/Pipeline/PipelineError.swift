/// An error of the pipeline that composes the stages, naming the run when one was started.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    /// The run it ended, when one was recorded.
    public var runID: Int64?

    /// Creates an error.
    public init(_ message: String, runID: Int64? = nil) {
        self.message = message
        self.runID = runID
    }

    /// The message (it names the run itself when there is one).
    public var description: String { message }
}
