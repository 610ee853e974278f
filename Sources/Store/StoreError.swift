public import BackstopModel

/// An error from Backstop's store, with a machine-readable ``Code`` and the folder or file it concerns.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// Backstop's installed files (the `sql/` folder) cannot be found.
        case installation
        /// A folder or file cannot be read or written.
        case io
        /// Another run holds the run lock.
        case locked
        /// A plan step would get a second outcome (its batch was recorded already): the batch rolls back.
        case outcome
        /// Backstop's schema is missing, or newer than this build.
        case schema
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The folder or file concerned, when there is one.
    public var path: String?

    /// Describes a failure of the store; `message` is written for the operator and should say what to do.
    /// - Parameters:
    ///   - code: The stable code scripts match on (`error[store.<code>]`; `locked` exits 75).
    ///   - message: What went wrong.
    ///   - path: The folder or file concerned, prefixed to the message when given.
    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// `path: message`.
    public var description: String { path.map { "\($0): \(message)" } ?? message }
}

extension StoreError: BackstopError {
    /// `store`.
    public static var module: String { "store" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
