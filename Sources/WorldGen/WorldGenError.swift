/// An error from the synthetic-world generator.
public struct WorldGenError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
