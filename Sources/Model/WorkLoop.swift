import Dispatch
import Synchronization

/// The one way Backstop shares a list of work items out to a few threads: image fetches, similarity tiles,
/// merge batches, rendered world images.
///
/// Each of `width` workers runs on its own thread (`DispatchQueue.concurrentPerform`) and takes the next
/// unclaimed index from a shared atomic counter until none is left, so a slow item (a slow fetch, a large
/// batch) never holds the others up and every index is handed out exactly once. The call returns when every
/// worker has returned.
///
/// ```swift
/// let slots = Mutex([Int?](repeating: nil, count: urls.count))
/// WorkLoop.forEach(urls.count, concurrency: 8) { index in
///     let size = fetch(urls[index])
///     slots.withLock { $0[index] = size }
/// }
/// ```
///
/// Workers that keep private state (scratch buffers, per-worker heaps, their own connection) use
/// ``run(_:concurrency:_:)``, which passes the worker's number and the shared ``Claims``.
public enum WorkLoop {
    /// The number of workers a loop over `count` items with `concurrency` threads uses: `concurrency`, but at
    /// least 1 and never more than there are items (0 when there are none).
    ///
    /// - Parameters:
    ///   - count: The number of work items.
    ///   - concurrency: The most threads the caller wants.
    /// - Returns: The number of workers ``run(_:concurrency:_:)`` starts.
    public static func width(_ count: Int, concurrency: Int) -> Int {
        count > 0 ? max(1, min(concurrency, count)) : 0
    }

    /// Runs `body(index)` once for every index in `0..<count`, on ``width(_:concurrency:)`` threads, in no
    /// particular order, and returns when all are done.
    ///
    /// - Parameters:
    ///   - count: The number of work items; indices run from 0 to `count - 1`.
    ///   - concurrency: The most threads to use.
    ///   - body: The work for one index; it must be safe to call from several threads at once.
    public static func forEach(_ count: Int, concurrency: Int, _ body: @Sendable (Int) -> Void) {
        run(count, concurrency: concurrency) { _, claims in
            while let index = claims.next() { body(index) }
        }
    }

    /// Runs `worker(number, claims)` once for each worker number in `0..<width(count, concurrency:)`, each on
    /// its own thread, and returns when all have returned. A worker takes items with `claims.next()` until it
    /// returns `nil`, and may stop earlier (after a failure, say): the items it leaves are taken by the others,
    /// or by no one once every worker has stopped.
    ///
    /// - Parameters:
    ///   - count: The number of work items; `claims.next()` hands out `0..<count`.
    ///   - concurrency: The most threads to use.
    ///   - worker: One worker's loop: set up its private state, claim and do items, hand its result back.
    public static func run(
        _ count: Int, concurrency: Int, _ worker: @Sendable (_ number: Int, _ claims: Claims) -> Void
    ) {
        let workers = width(count, concurrency: concurrency)
        guard workers > 0 else { return }
        let claims = Claims(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { number in worker(number, claims) }
    }

    /// The shared counter of one loop: hands out each index of `0..<count` exactly once, in increasing order
    /// across all workers.
    public final class Claims: Sendable {
        private let counter = Atomic<Int>(0)
        private let count: Int

        /// Claims for the indices `0..<count`.
        public init(count: Int) { self.count = count }

        /// The next unclaimed index, or `nil` once all are claimed.
        public func next() -> Int? {
            // Relaxed: the index is the only thing shared; each item's data is published by the caller's own
            // synchronisation (a mutex, or concurrentPerform's join).
            let index = counter.wrappingAdd(1, ordering: .relaxed).oldValue
            return index < count ? index : nil
        }
    }
}
