@testable import BackstopExtract
import BackstopTestSupport
import Foundation
import Synchronization
import Testing

/// A deferred filtered table read ahead (`DumpReader.Options.readAhead` on a plain file): once the
/// consumer has given the keys of a filtered table read in place, the deferred basket is read on a thread
/// of its own with the keys asked then, and used at its place only when the keys asked there and its
/// extent are the same. Whatever happens, the events, the skimmed-row count and the errors are the serial
/// read's.
@Suite struct DeferredReadAheadTests {
    /// The tiny dump's order ids named by its order rows, every third one: the kept orders.
    static func keptOrders() throws -> Set<Int64> {
        let all = ReadAheadTests.drain(try DumpReader.open(ReadAheadTests.tinyDump, options: .init(), logger: .quiet))
        let ids = all.events.filter { $0.hasPrefix("b_sale_order [") }.compactMap { event in
            Int64(event.dropFirst("b_sale_order [\"".count).prefix { $0 != "\"" })
        }
        #expect(ids.count > 100)
        return Set(ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
    }

    /// What one read gave: its events, the rows its filter skimmed, the tables asked for keys (in order)
    /// and the deferred regions handed out from a read ahead.
    struct Read {
        var events: [String]
        var error: String?
        var dropped: Int
        var asked: [String]
        var used: Int
    }

    /// Reads `url` with the basket deferred and both order tables filtered by `keys` (asked per call, with
    /// the table and the call's number), with or without read-ahead.
    static func read(_ url: URL, readAhead: Bool, keys: @escaping @Sendable (String, Int) -> Set<Int64>?) throws
        -> Read
    {
        let asked = Mutex<[String]>([])
        let filter = DumpRowFilter(keyColumns: [
            "b_sale_basket": "ORDER_ID", "b_sale_order_props_value": "ORDER_ID",
        ]) { table in
            let n = asked.withLock { list in
                list.append(table)
                return list.count
            }
            return keys(table, n)
        }
        var options = DumpReader.Options(readAhead: readAhead)
        options.deferredTables = ["b_sale_basket"]
        options.rowFilter = filter
        let reader = try DumpReader(url: url, options: options, logger: .quiet)
        let read = ReadAheadTests.drain(reader)
        return Read(
            events: read.events, error: read.error, dropped: filter.dropped, asked: asked.withLock { $0 },
            used: reader.prefetchesUsed)
    }

    @Test func theBasketReadAheadGivesTheSerialRows() throws {
        let url = try DeferredTablesTests.plainDump()
        defer { try? FileManager.default.removeItem(at: url) }
        let kept = try Self.keptOrders()
        let serial = try Self.read(url, readAhead: false) { _, _ in kept }
        let ahead = try Self.read(url, readAhead: true) { _, _ in kept }
        #expect(serial.error == nil && ahead.error == nil)
        #expect(serial.dropped > 1_000, "rows were skimmed")
        #expect(ahead.events == serial.events)
        #expect(ahead.dropped == serial.dropped)
        #expect(serial.asked == ["b_sale_order_props_value", "b_sale_basket"])
        // Asked early (when the property values begin), then again at the basket's place.
        #expect(ahead.asked == ["b_sale_order_props_value", "b_sale_basket", "b_sale_basket"])
        #expect(ahead.used == 1 && serial.used == 0)
    }

    /// Keys that changed between the early question and the basket's place: the read ahead is dropped and
    /// the basket read at its place with the keys given there.
    @Test func aReadAheadWhoseKeysChangedIsNotUsed() throws {
        let url = try DeferredTablesTests.plainDump()
        defer { try? FileManager.default.removeItem(at: url) }
        let kept = try Self.keptOrders()
        let serial = try Self.read(url, readAhead: false) { _, _ in kept }
        // The second question (the early one for the basket) gets other keys.
        let ahead = try Self.read(url, readAhead: true) { _, n in n == 2 ? [kept.min() ?? 0] : kept }
        #expect(ahead.events == serial.events)
        #expect(ahead.dropped == serial.dropped, "the unused read ahead's skimmed rows do not count")
        #expect(ahead.used == 0)
    }

    /// A basket INSERT after the property values extends the basket's region once its read ahead began:
    /// that read ahead is not used, and the rows are the serial read's.
    @Test func aRegionExtendedAfterTheReadAheadBeganIsReadAgain() throws {
        let url = try DeferredTablesTests.plainDump { plain in
            let insert = Data("INSERT INTO `b_sale_basket`".utf8)
            let first = try #require(plain.range(of: insert))
            let end = try #require(plain.range(of: Data(");\n".utf8), in: first.lowerBound..<plain.endIndex))
            let statement = plain[first.lowerBound..<end.upperBound]
            let footer = try #require(plain.range(of: Data("-- Dump completed".utf8)))
            plain.insert(contentsOf: statement, at: footer.lowerBound)
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let kept = try Self.keptOrders()
        let serial = try Self.read(url, readAhead: false) { _, _ in kept }
        let ahead = try Self.read(url, readAhead: true) { _, _ in kept }
        #expect(serial.error == nil)
        #expect(ahead.events == serial.events)
        #expect(ahead.dropped == serial.dropped)
        #expect(ahead.used == 0)
    }

    /// A bad value in the basket read ahead fails with the serial read's error, after the same rows.
    @Test func anErrorInTheReadAheadIsTheSerialReadsError() throws {
        let url = try DeferredTablesTests.plainDump { plain in
            let marker = Data("INSERT INTO `b_sale_basket`".utf8)
            var from = plain.startIndex
            for _ in 0..<2 { from = try #require(plain.range(of: marker, in: from..<plain.endIndex)).upperBound }
            let values = try #require(plain.range(of: Data(") VALUES (".utf8), in: from..<plain.endIndex))
            plain.replaceSubrange(values, with: Data(") VALUES (@".utf8))
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let kept = try Self.keptOrders()
        let serial = try Self.read(url, readAhead: false) { _, _ in kept }
        let ahead = try Self.read(url, readAhead: true) { _, _ in kept }
        let message = try #require(serial.error)
        #expect(message.contains("table b_sale_basket"), "\(message)")
        #expect(ahead.error == message)
        #expect(ahead.events == serial.events)
        #expect(ahead.used == 1)
    }
}
