/// An error from Backstop's store, naming the folder or file it concerns.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    /// The folder or file concerned, when there is one.
    public var path: String?

    /// Creates an error.
    public init(_ message: String, path: String? = nil) {
        self.message = message
        self.path = path
    }

    /// `path: message`.
    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
