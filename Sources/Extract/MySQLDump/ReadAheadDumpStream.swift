import Foundation
import Synchronization

/// A dump event stream read on a thread of its own: the parsing of the next rows overlaps with whatever
/// the caller does with the previous ones (the Bitrix model, an export).
///
/// The events, the end and any error come out exactly as the wrapped stream gives them, in the same order:
/// the parse runs up to ``capacity`` batches of ``batchSize`` events ahead and waits there, so memory stays
/// bounded whatever the dump's size. Dropping the stream early (an error or a time limit in the caller)
/// stops the reading thread at its next batch.
///
/// Get one through ``DumpReader/open(_:options:logger:)`` with ``DumpReader/Options/readAhead`` set.
public final class ReadAheadDumpStream: DumpEventStream {
    /// Events per hand-over: one lock round trip per batch, not per row.
    static let batchSize = 2048
    /// Batches parsed ahead of the caller at most.
    static let capacity = 8

    private let channel: Channel
    private var batch: [DumpEvent] = []
    private var index = 0
    private var finished = false

    /// The completion time of the wrapped stream's footer, once its end has been handed over.
    public private(set) var completedAt: String?
    /// Bytes of (decompressed) input the wrapped reader had consumed when the last batch was handed over.
    public private(set) var bytesRead: Int64 = 0

    /// Starts reading `stream` on a new thread. The stream is used by that thread alone from now on.
    public init(_ stream: any DumpEventStream) {
        let channel = Channel()
        self.channel = channel
        let upstream = Upstream(stream)
        let thread = Thread { Self.produce(upstream.stream, into: channel) }
        thread.name = "backstop-dump-read"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { channel.cancel() }

    /// The next event, or `nil` after ``DumpEvent/end(_:)``.
    /// - Throws: the wrapped stream's ``ExtractError``, after every event it gave before it.
    public func next() throws(ExtractError) -> DumpEvent? {
        while index == batch.count {
            if finished { return nil }
            switch channel.take() {
            case .events(let events, let bytes, let completed):
                batch = events
                index = 0
                bytesRead = bytes
                if let completed { completedAt = completed }
            case .failed(let error):
                finished = true
                throw error
            case .finished:
                finished = true
                return nil
            }
        }
        let event = batch[index]
        index += 1
        return event
    }

    /// The reading thread: parses into batches and hands them over until the end, an error or cancellation.
    private static func produce(_ stream: any DumpEventStream, into channel: Channel) {
        let reader = stream as? DumpReader
        var events: [DumpEvent] = []
        events.reserveCapacity(batchSize)
        func handOver() -> Bool {
            let sent = channel.put(
                .events(events, bytesRead: reader?.bytesRead ?? 0, completedAt: stream.completedAt))
            events = []
            events.reserveCapacity(batchSize)
            return sent
        }
        do {
            while let event = try stream.next() {
                events.append(event)
                if events.count == batchSize, !handOver() { return }
            }
            if !events.isEmpty, !handOver() { return }
            _ = channel.put(.finished)
        } catch {
            if !events.isEmpty, !handOver() { return }
            _ = channel.put(.failed(error))
        }
    }

    /// The wrapped stream on its way to the reading thread, which is its only user from then on.
    private final class Upstream: @unchecked Sendable {
        let stream: any DumpEventStream
        init(_ stream: any DumpEventStream) { self.stream = stream }
    }

    /// What the reading thread hands over.
    enum Item: Sendable {
        case events([DumpEvent], bytesRead: Int64, completedAt: String?)
        case failed(ExtractError)
        case finished
    }

    /// A bounded queue between the reading thread and the caller.
    final class Channel: Sendable {
        private struct State {
            var items: [Item] = []
            var head = 0
            var cancelled = false
        }
        private let state = Mutex(State())
        private let condition = NSCondition()

        /// Waits for room, then appends `item`; `false` when the caller has gone (stop reading).
        func put(_ item: Item) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while true {
                let (cancelled, full) = state.withLock { ($0.cancelled, $0.items.count - $0.head >= capacity) }
                if cancelled { return false }
                if !full { break }
                condition.wait()
            }
            state.withLock { $0.items.append(item) }
            condition.broadcast()
            return true
        }

        /// Waits for an item and removes it.
        func take() -> Item {
            condition.lock()
            defer { condition.unlock() }
            while true {
                let item = state.withLock { s -> Item? in
                    guard s.head < s.items.count else { return nil }
                    let item = s.items[s.head]
                    s.head += 1
                    if s.head == s.items.count {
                        s.items.removeAll(keepingCapacity: true)
                        s.head = 0
                    }
                    return item
                }
                if let item {
                    condition.broadcast()
                    return item
                }
                condition.wait()
            }
        }

        /// The caller is gone: the reading thread stops at its next hand-over.
        func cancel() {
            condition.lock()
            state.withLock {
                $0.cancelled = true
                $0.items = []
                $0.head = 0
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}
