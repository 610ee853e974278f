import Foundation
import Synchronization

/// A dump event stream read on a thread of its own: the parsing of the next rows overlaps with whatever
/// the caller does with the previous ones (the Bitrix model, an export).
///
/// The events, the end and any error come out exactly as the wrapped stream gives them, in the same order:
/// the parse runs up to `capacity` batches of `batchSize` events ahead and waits there, so memory stays
/// bounded whatever the dump's size. Dropping the stream early (an error or a time limit in the caller)
/// stops the reading thread at its next batch.
///
/// Two things keep the threads from slowing each other down (measured: without them the read-ahead cost
/// 30 % more CPU than the single thread): the rows of a batch share a source (table and columns) of their
/// own, so the reading thread never touches the reference count of an object the caller is releasing; and
/// the caller's finished batches go back to the reading thread to be freed, so each row's memory returns
/// to the allocator of the thread that took it.
///
/// A batch is also handed over at each ``DumpEvent/table(_:)``, however few events it holds: the caller
/// learns at once that a table begins, and can start on what the earlier tables make while the reading
/// thread is busy with that table (the Bitrix model builds its products while a deferred basket is
/// skimmed).
///
/// Get one through ``DumpReader/open(_:options:logger:)`` with ``DumpReader/Options/readAhead`` set.
public final class ReadAheadDumpStream: DumpEventStream {
    /// Events per hand-over by default: one lock round trip per batch, not per row.
    public static let defaultBatchSize = 2048
    /// Batches parsed ahead of the caller at most, by default.
    public static let defaultCapacity = 8

    /// The queue from the reading thread.
    private let channel: Channel
    /// The batch being handed out.
    private var batch: [DumpEvent] = []
    /// The next event's index in ``batch``.
    private var index = 0
    /// Whether the end or an error was handed out.
    private var finished = false
    /// The wrapped stream's row filter, whose keys this (consuming) side supplies when the reading thread
    /// asks.
    private let rowFilter: DumpRowFilter?

    /// The completion time of the wrapped stream's footer, once its end has been handed over.
    public private(set) var completedAt: String?
    /// Bytes of (decompressed) input the wrapped reader had consumed when the last batch was handed over.
    public private(set) var bytesRead: Int64 = 0

    /// Starts reading `stream` on a new thread. The stream is used by that thread alone from now on.
    ///
    /// - Parameters:
    ///   - stream: the stream to read ahead.
    ///   - batchSize: events per hand-over.
    ///   - capacity: batches read ahead of the caller at most.
    public convenience init(
        _ stream: any DumpEventStream, batchSize: Int = defaultBatchSize, capacity: Int = defaultCapacity
    ) {
        self.init(stream, batchSize: batchSize, capacity: capacity, keysFromConsumer: true, name: "backstop-dump-read")
    }

    /// Starts reading `stream` on a new thread named `name`; with `keysFromConsumer` false, a filtered
    /// stream keeps its own key supplier (a deferred region read ahead with keys it was given) instead of
    /// asking the caller.
    init(
        _ stream: any DumpEventStream, batchSize: Int = defaultBatchSize, capacity: Int, keysFromConsumer: Bool,
        name: String
    ) {
        let channel = Channel(capacity: max(1, capacity))
        self.channel = channel
        let upstream = Upstream(stream)
        rowFilter = keysFromConsumer ? (stream as? any KeyAskingStream)?.rowFilter : nil
        let batchSize = max(1, batchSize)
        let thread = Thread {
            Self.produce(upstream.stream, batchSize: batchSize, keysFromConsumer: keysFromConsumer, into: channel)
        }
        thread.name = name
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
            case .keysWanted(let table):
                // Every event before the question was handed out above: the consumer has seen them all.
                channel.answer(rowFilter?.supply(table) ?? nil)
            case .events(let events, let bytes, let completed):
                // The finished batch goes back to be freed on the reading thread.
                channel.giveBack(batch)
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
    ///
    /// Each batch's rows share a source (table and columns) of their own so the two threads never share
    /// a reference count: a dump reader makes it (``DumpReader/startBatch()``), rows of another stream get
    /// a copy of theirs here, which costs a retain and a release per row; an error is handed over after the events read before it, so the caller sees the
    /// same sequence the reader produced.
    private static func produce(
        _ stream: any DumpEventStream, batchSize: Int, keysFromConsumer: Bool, into channel: Channel
    ) {
        let reader = stream as? DumpReader
        var events: [DumpEvent] = []
        events.reserveCapacity(batchSize)
        // The source the reader gave the last row, and this batch's copy of it.
        var original: DumpRowSource?
        var copy: DumpRowSource?
        func handOver() -> Bool {
            original = nil
            copy = nil
            reader?.startBatch()
            let sent = channel.put(
                .events(events, bytesRead: reader?.bytesRead ?? 0, completedAt: stream.completedAt))
            events = []
            events.reserveCapacity(batchSize)
            return sent
        }
        // A filtered table's keys come from the consuming thread: what was parsed is handed over first,
        // so the consumer has seen every row before the question when it answers.
        if keysFromConsumer, let asking = stream as? any KeyAskingStream, asking.rowFilter != nil {
            asking.keysProvider = { table in
                if !events.isEmpty, !handOver() { return nil }
                guard channel.put(.keysWanted(table)) else { return nil }
                return channel.awaitAnswer()
            }
        }
        do {
            // A dump reader gives each batch's rows a source of their own (``DumpReader/startBatch()``);
            // another stream's rows get a copy here.
            if let reader {
                reader.startBatch()
                while let event = try reader.next() {
                    events.append(event)
                    if events.count == batchSize || event.isTable, !handOver() { return }
                }
                if !events.isEmpty, !handOver() { return }
                _ = channel.put(.finished)
                return
            }
            while let event = try stream.next() {
                if case .row(var row) = event {
                    if row.source !== original {
                        original = row.source
                        copy = DumpRowSource(
                            table: row.source.table, database: row.source.database, columns: row.source.columns)
                    }
                    if let copy { row.source = copy }
                    events.append(.row(row))
                } else {
                    events.append(event)
                }
                if events.count == batchSize || event.isTable, !handOver() { return }
            }
            if !events.isEmpty, !handOver() { return }
            _ = channel.put(.finished)
        } catch {
            if !events.isEmpty, !handOver() { return }
            _ = channel.put(.failed(error))
        }
    }

    /// The wrapped stream on its way to the reading thread, which is its only user from then on.
    /// @unchecked Sendable: safe because the stream crosses to the reading thread once, in `init`, and the
    /// caller never touches it again.
    private final class Upstream: @unchecked Sendable {
        /// The stream, owned by the reading thread.
        let stream: any DumpEventStream
        /// Wraps `stream` for the hand-over.
        init(_ stream: any DumpEventStream) { self.stream = stream }
    }

    /// What the reading thread hands over.
    enum Item: Sendable {
        /// A batch of events, with the reader's progress and footer time at the hand-over.
        case events([DumpEvent], bytesRead: Int64, completedAt: String?)
        /// The stream threw; every event before the error was handed over first.
        case failed(ExtractError)
        /// The stream ended (after its ``DumpEvent/end(_:)``).
        case finished
        /// The reading thread waits for the keys of a filtered table (``DumpRowFilter``), asked of the
        /// consumer after every event before it.
        case keysWanted(String)
    }

    /// A bounded queue between the reading thread and the caller.
    final class Channel: Sendable {
        private struct State {
            /// At most `capacity` items, oldest first (removing the first of so few costs nothing).
            var items: [Item] = []
            /// Batches the caller has finished with, to be freed by the reading thread.
            var returned: [[DumpEvent]] = []
            /// Whether the caller has gone.
            var cancelled = false
            /// The consumer's answer to the last ``Item/keysWanted(_:)``, until the reading thread takes it.
            var answer: Set<Int64>?? = nil
        }
        /// The queue's contents.
        private let state = Mutex(State())
        /// Wakes a waiting `put` (room) or `take` (an item).
        private let condition = NSCondition()
        /// The most items queued at once.
        private let capacity: Int

        /// A queue of at most `capacity` items.
        init(capacity: Int) { self.capacity = capacity }

        /// Waits for room, then appends `item`; `false` when the caller has gone (stop reading).
        func put(_ item: Item) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while true {
                let (cancelled, full) = state.withLock { ($0.cancelled, $0.items.count >= capacity) }
                if cancelled { return false }
                if !full { break }
                condition.wait()
            }
            let returned = state.withLock { s -> [[DumpEvent]] in
                s.items.append(item)
                defer { s.returned = [] }
                return s.returned
            }
            condition.broadcast()
            condition.unlock()
            // Freed here, outside the lock, on the thread that allocated the rows.
            withExtendedLifetime(returned) {}
            condition.lock()
            return true
        }

        /// Hands a finished batch back to the reading thread, which frees it at its next hand-over.
        func giveBack(_ events: [DumpEvent]) {
            guard !events.isEmpty else { return }
            state.withLock { s in if !s.cancelled { s.returned.append(events) } }
        }

        /// Waits for an item and removes it.
        func take() -> Item {
            condition.lock()
            defer { condition.unlock() }
            while true {
                let item = state.withLock { s -> Item? in s.items.isEmpty ? nil : s.items.removeFirst() }
                if let item {
                    condition.broadcast()
                    return item
                }
                condition.wait()
            }
        }

        /// Hands the reading thread the keys it asked for (``Item/keysWanted(_:)``).
        func answer(_ keys: Set<Int64>?) {
            condition.lock()
            state.withLock { $0.answer = .some(keys) }
            condition.broadcast()
            condition.unlock()
        }

        /// Waits for the consumer's answer to a ``Item/keysWanted(_:)``; `nil` (no filtering) when the
        /// caller has gone.
        func awaitAnswer() -> Set<Int64>? {
            condition.lock()
            defer { condition.unlock() }
            while true {
                let (cancelled, answer) = state.withLock { s -> (Bool, Set<Int64>??) in
                    defer { s.answer = nil }
                    return (s.cancelled, s.answer)
                }
                if let answer { return answer }
                if cancelled { return nil }
                condition.wait()
            }
        }

        /// The caller is gone: the reading thread stops at its next hand-over.
        func cancel() {
            condition.lock()
            state.withLock {
                $0.cancelled = true
                $0.items = []
                $0.returned = []
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}

extension DumpEvent {
    /// Whether this is a table's `CREATE TABLE` (``table(_:)``), at which a read ahead hands over its batch.
    var isTable: Bool {
        if case .table = self { return true }
        return false
    }
}
