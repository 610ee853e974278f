/// An error from the reconcile stage, naming the entity and key it concerns.
public struct ReconcileError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    /// The entity (`product`, `order`, …), when known.
    public var entity: String?
    /// The key of the row, when known.
    public var key: String?

    /// Creates an error.
    public init(_ message: String, entity: String? = nil, key: String? = nil) {
        self.message = message
        self.entity = entity
        self.key = key
    }

    /// `entity key: message`.
    public var description: String {
        switch (entity, key) {
        case let (entity?, key?): return "\(entity) \(key): \(message)"
        case let (entity?, nil): return "\(entity): \(message)"
        default: return message
        }
    }
}
