import Foundation

/// A value computed on a thread of its own while the caller goes on; ``value`` waits for it.
///
/// For work a run needs later that depends on nothing the run does meanwhile (the sync latency's samples,
/// taken while the sides are compared): the same value as computing it in place, sooner.
///
/// ```swift
/// let samples = Ahead(name: "backstop-latency") { latency.samples(…) }
/// …  // the comparison, the plan
/// let health = WebhookHealth(…, samples: samples.value)
/// ```
final class Ahead<Value: Sendable>: @unchecked Sendable {  // `result` is guarded by `condition`
    private let condition = NSCondition()
    /// The value once computed.
    private var result: Value?

    /// Starts computing the value on a new thread named `name`.
    /// - Parameters:
    ///   - name: The thread's name (seen in `top -H` and perf).
    ///   - compute: The work; it must not depend on anything the caller changes meanwhile.
    init(name: String, _ compute: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let value = compute()
            condition.withLock {
                result = value
                condition.broadcast()
            }
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The value, waiting for its thread when it is not computed yet.
    var value: Value {
        condition.withLock {
            while true {
                if let result { return result }
                condition.wait()
            }
        }
    }
}
