public import BackstopModel

/// An error from the reconcile stage, with a machine-readable ``Code`` and the entity and key it concerns.
public struct ReconcileError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// The inputs break the reconciler's contract (a merge join's input out of key order, a key twice).
        case input
        /// The rules cannot be applied as configured (an unknown status-map version, a bad rule).
        case configuration
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The entity (`product`, `order`, …), when known.
    public var entity: String?
    /// The key of the row, when known.
    public var key: String?

    /// Describes a failure of the reconcile stage.
    /// - Parameters:
    ///   - code: The stable code (`error[reconcile.<code>]`).
    ///   - message: What went wrong, for people.
    ///   - entity: The entity or configuration section concerned (`merge.policy` for a policy selector).
    ///   - key: The row key or selector.
    public init(_ code: Code, _ message: String, entity: String? = nil, key: String? = nil) {
        self.code = code
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

extension ReconcileError: BackstopError {
    /// `reconcile`.
    public static var module: String { "reconcile" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
