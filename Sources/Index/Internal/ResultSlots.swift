import Synchronization

/// One slot per work item, filled from worker threads, read once all are done.
final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[T?]>

    init(count: Int) { slots = Mutex([T?](repeating: nil, count: count)) }

    func set(_ index: Int, _ value: T) { slots.withLock { $0[index] = value } }

    var values: [T?] { slots.withLock { $0 } }
}
