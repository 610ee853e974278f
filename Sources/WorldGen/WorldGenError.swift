/// An error from the synthetic-world generator, with a machine-readable ``Code``.
public struct WorldGenError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// A file or folder cannot be read or written.
        case io
        /// An external tool (`mariadb`, `mariadb-dump`, `faketime`, `gzip`) is missing or failed.
        case tool
        /// An input is not what it should be (an image spec, a dump footer, an option).
        case invalid
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    /// The message.
    public var description: String { message }
}
