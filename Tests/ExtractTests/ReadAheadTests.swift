import BackstopExtract
import BackstopTestSupport
import Foundation
import Testing

/// The read-ahead stream (the dump parsed on a thread of its own) gives exactly the single-thread reader's
/// events, end and errors, and stops its thread when dropped early.
@Suite struct ReadAheadTests {
    static let tinyDump = RepoPaths.data.appendingPathComponent("tiny/bitrix/dump-complete-insert.sql.gz")

    /// Every event of `stream` in a comparable form (tables, schemas, every value's bytes), its footer time,
    /// and the error that ended it.
    static func drain(_ stream: any DumpEventStream) -> (events: [String], completedAt: String?, error: String?) {
        var events: [String] = []
        do {
            while let event = try stream.next() {
                switch event {
                case .database(let name): events.append("database \(name)")
                case .table(let schema): events.append("table \(schema.name) \(schema.columns.names)")
                case .row(let row):
                    let values = row.values.map { value in
                        value.rawBytes.map { String(decoding: $0, as: UTF8.self) } ?? "NULL"
                    }
                    events.append("\(row.table) \(values)")
                case .end(let completion): events.append("end \(completion)")
                }
            }
            return (events, stream.completedAt, nil)
        } catch {
            return (events, stream.completedAt, "\(error)")
        }
    }

    static func open(_ url: URL, readAhead: Bool, allowPartial: Bool = false) throws -> any DumpEventStream {
        try DumpReader.open(url, options: .init(allowPartial: allowPartial, readAhead: readAhead), logger: .quiet)
    }

    @Test func theTinyDumpGivesTheSameEventsWithReadAhead() throws {
        let serial = Self.drain(try Self.open(Self.tinyDump, readAhead: false))
        let ahead = try Self.open(Self.tinyDump, readAhead: true)
        #expect(ahead is ReadAheadDumpStream)
        let parallel = Self.drain(ahead)
        #expect(serial.error == nil && serial.events.count > 2_000)
        #expect(parallel.events == serial.events)
        #expect(parallel.completedAt == serial.completedAt && serial.completedAt != nil)
        #expect(parallel.error == nil)
        #expect(try ahead.next() == nil, "nothing after the end")
    }

    /// Small batches and a short queue: many hand-overs, the reading thread often waiting for room and the
    /// caller often waiting for a batch.
    @Test(arguments: [(1, 1), (7, 2), (333, 3)])
    func smallBatchesGiveTheSameEvents(batchSize: Int, capacity: Int) throws {
        let serial = Self.drain(try Self.open(Self.tinyDump, readAhead: false))
        let ahead = ReadAheadDumpStream(
            try Self.open(Self.tinyDump, readAhead: false), batchSize: batchSize, capacity: capacity)
        let parallel = Self.drain(ahead)
        #expect(parallel.events == serial.events, "batch \(batchSize), capacity \(capacity)")
        #expect(parallel.completedAt == serial.completedAt && parallel.error == nil)
    }

    /// A dump cut in the middle of a row: the same rows before the break, then the same error (or, with
    /// allowPartial, the same partial end).
    @Test func aTruncatedDumpFailsTheSameWayWithReadAhead() throws {
        let whole = try Data(contentsOf: Self.tinyDump)
        let plain = try #require(GzipTestData.gunzip(whole))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("read-ahead-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: cut) }
        try plain.prefix(plain.count * 2 / 3).write(to: cut)
        for allowPartial in [false, true] {
            let serial = Self.drain(try Self.open(cut, readAhead: false, allowPartial: allowPartial))
            let parallel = Self.drain(try Self.open(cut, readAhead: true, allowPartial: allowPartial))
            #expect(serial.events.count > 1_000)
            #expect(parallel.events == serial.events, "allowPartial \(allowPartial)")
            #expect(parallel.error == serial.error, "allowPartial \(allowPartial)")
            #expect((serial.error != nil) == !allowPartial)
        }
    }

    /// Open file descriptors of this process on `url` (`/proc/self/fd`): a reading thread holds its reader,
    /// and the reader its file, until the thread ends.
    static func openDescriptors(on url: URL) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.count { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == url.path
        }
    }

    /// Dropping the stream after a few events ends its thread instead of leaving it blocked on a full queue.
    @Test func droppingTheStreamEarlyStopsItsThread() throws {
        // A copy of its own, so no other test's reader is counted.
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("read-ahead-\(UUID().uuidString).gz")
        try FileManager.default.copyItem(at: Self.tinyDump, to: dump)
        defer { try? FileManager.default.removeItem(at: dump) }
        var streams: [any DumpEventStream] = []
        for _ in 0..<5 {
            // One event per batch, one batch ahead: each reading thread waits for room when it is dropped.
            let stream = ReadAheadDumpStream(try Self.open(dump, readAhead: false), batchSize: 1, capacity: 1)
            for _ in 0..<3 { _ = try stream.next() }
            streams.append(stream)
        }
        #expect(Self.openDescriptors(on: dump) == 5, "one open reader per stream while they live")
        streams.removeAll()
        var left = Self.openDescriptors(on: dump)
        for _ in 0..<200 where left > 0 {
            Thread.sleep(forTimeInterval: 0.05)
            left = Self.openDescriptors(on: dump)
        }
        #expect(left == 0, "\(left) readers still open after their streams were dropped")
    }

    /// A stream that gives a table's `CREATE TABLE`, then (like a reader skimming a deferred table) gives
    /// nothing until the consumer has seen that event, or for 10 s.
    final class StallingAfterTable: DumpEventStream, @unchecked Sendable {
        /// Signalled by the test once the consumer holds the table event.
        let seen = DispatchSemaphore(value: 0)
        /// Whether the stall ended by the signal (`false`: by the 10 s timeout).
        var signalled = false
        private var step = 0

        func next() throws(ExtractError) -> DumpEvent? {
            step += 1
            switch step {
            case 1: return .database("bitrix")
            case 2:
                return .table(
                    DumpTableSchema(
                        name: "b_sale_basket", database: "bitrix", columns: DumpColumns(["ID"]), types: ["int"]))
            case 3:
                signalled = seen.wait(timeout: .now() + 10) == .success
                return .end(.complete)
            default: return nil
            }
        }
    }

    /// A `CREATE TABLE` is handed over at once, not when the batch fills: the Bitrix model starts building
    /// its products at an order-side table while the reading thread is still busy with that table.
    @Test func aTableEventIsHandedOverWithoutWaitingForAFullBatch() throws {
        let upstream = StallingAfterTable()
        let ahead = ReadAheadDumpStream(upstream, batchSize: 2048, capacity: 8)
        guard case .database = try ahead.next(), case .table(let schema) = try ahead.next() else {
            Issue.record("expected the database, then the table")
            return
        }
        #expect(schema.name == "b_sale_basket")
        upstream.seen.signal()
        guard case .end(.complete) = try ahead.next() else {
            Issue.record("expected the end")
            return
        }
        #expect(try ahead.next() == nil)
        #expect(upstream.signalled, "the table event waited for the batch to fill")
    }
}

/// gzip decoding for test data (`gzip -dc`).
enum GzipTestData {
    static func gunzip(_ data: Data) -> Data? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString).gz")
        defer { try? FileManager.default.removeItem(at: url) }
        guard (try? data.write(to: url)) != nil else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? out : nil
    }
}
