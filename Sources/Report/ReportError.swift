/// An error from the report stage, naming the report file or run.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    /// The file being written, when there is one.
    public var path: String?

    /// Creates an error.
    public init(_ message: String, path: String? = nil) {
        self.message = message
        self.path = path
    }

    /// `path: message`.
    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
