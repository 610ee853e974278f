public import BackstopModel

/// An error of the merge (planning, the plan files, applying), with a machine-readable ``Code`` and, where
/// it concerns one, the setting or entity and key it names.
public struct MergeError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// The merge cannot run as configured (an unknown `merge.policy` selector, a resolution Backstop
        /// cannot write): a usage error (exit 64).
        case configuration
        /// A plan cannot be applied: it was never stored, or a batch failed and was rolled back whole (every
        /// batch committed before stays; the same apply again finishes the plan).
        case plan
        /// A plan file cannot be written.
        case io
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The setting or entity (`merge.policy`, `product`), when known.
    public var entity: String?
    /// The selector or key, when known.
    public var key: String?
    /// The error that caused this one, kept whole.
    public var underlyingError: (any Error)?

    /// Makes an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: What went wrong, for people.
    ///   - entity: The setting or entity it concerns.
    ///   - key: The selector or key it concerns.
    ///   - underlyingError: The error that caused it, when it wraps one.
    public init(
        _ code: Code, _ message: String, entity: String? = nil, key: String? = nil,
        underlyingError: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.entity = entity
        self.key = key
        self.underlyingError = underlyingError
    }

    /// `entity key: message`.
    public var description: String {
        switch (entity, key) {
        case let (entity?, key?): "\(entity) \(key): \(message)"
        case let (entity?, nil): "\(entity): \(message)"
        default: message
        }
    }
}

extension MergeError: BackstopError {
    /// `merge`.
    public static var module: String { "merge" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
