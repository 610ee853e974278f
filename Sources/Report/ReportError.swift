public import BackstopModel

/// An error from the report stage, with a machine-readable ``Code`` and the report file or folder.
///
/// Rendering itself cannot fail (formats append bytes); writing the files and reading a stored context
/// can. The CLI prints it as `error[report.<code>]: <path>: <message>` and `ExitStatus(for:)` maps it to
/// exit 1: a run whose report could not be written is not a clean run.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// The report folder or a report file cannot be created or written.
        case io
        /// A report cannot be rendered in its format.
        case encoding
        /// A stored report context cannot be read back.
        case decoding
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The file being written, when there is one.
    public var path: String?

    /// Describes a report failure.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: For people: what could not be done and why (the system's reason).
    ///   - path: The file or folder involved, when there is one.
    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// `path: message`.
    public var description: String { path.map { "\($0): \(message)" } ?? message }
}

extension ReportError: BackstopError {
    /// `report`.
    public static var module: String { "report" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
