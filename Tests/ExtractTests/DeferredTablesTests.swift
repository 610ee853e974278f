import BackstopExtract
import BackstopTestSupport
import Foundation
import Testing

/// Deferred tables (`DumpReader.Options.deferredTables`): a plain file's rows of those tables come after every
/// other event, read a second time from their place in the file, and are otherwise exactly the rows read
/// where they stand: the same values in the same order, errors at the same file positions, the same
/// truncation behaviour. Input that cannot be read twice (gzip) gives its rows where they stand.
@Suite struct DeferredTablesTests {
    static let table = "b_sale_basket"

    /// The bundled tiny dump, uncompressed into a temporary file (or altered by `edit` first).
    static func plainDump(_ edit: (inout Data) throws -> Void = { _ in }) throws -> URL {
        let whole = try Data(contentsOf: ReadAheadTests.tinyDump)
        var plain = try #require(GzipTestData.gunzip(whole))
        try edit(&plain)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deferred-\(UUID().uuidString).sql")
        try plain.write(to: url)
        return url
    }

    static func read(_ url: URL, deferred: Bool, allowPartial: Bool = false)
        throws -> (events: [String], completedAt: String?, error: String?)
    {
        var options = DumpReader.Options(allowPartial: allowPartial)
        if deferred { options.deferredTables = [table] }
        return ReadAheadTests.drain(try DumpReader.open(url, options: options, logger: .quiet))
    }

    /// The in-place events with the deferred table's rows moved, in their order, to just before the end.
    static func expected(_ events: [String]) -> [String] {
        let isDeferred = { (event: String) in event.hasPrefix(table + " ") }
        var moved = events.filter { !isDeferred($0) }
        let ending = moved.last.map { $0.hasPrefix("end ") } == true ? moved.removeLast() : nil
        return moved + events.filter(isDeferred) + (ending.map { [$0] } ?? [])
    }

    @Test func theDeferredTablesRowsComeLastAndUnchanged() throws {
        let url = try Self.plainDump()
        defer { try? FileManager.default.removeItem(at: url) }
        let inPlace = try Self.read(url, deferred: false)
        let deferred = try Self.read(url, deferred: true)
        let basket = inPlace.events.filter { $0.hasPrefix(Self.table + " ") }
        #expect(basket.count > 100, "the tiny dump has basket lines")
        #expect(inPlace.error == nil && deferred.error == nil)
        #expect(deferred.events == Self.expected(inPlace.events))
        #expect(deferred.events != inPlace.events, "the rows did move")
        #expect(deferred.completedAt == inPlace.completedAt && inPlace.completedAt != nil)
    }

    /// A gzip dump cannot be read twice: its rows come where they stand.
    @Test func aCompressedDumpKeepsItsOrder() throws {
        let inPlace = ReadAheadTests.drain(
            try DumpReader.open(ReadAheadTests.tinyDump, options: .init(), logger: .quiet))
        var options = DumpReader.Options()
        options.deferredTables = [Self.table]
        let asked = ReadAheadTests.drain(try DumpReader.open(ReadAheadTests.tinyDump, options: options, logger: .quiet))
        #expect(asked.events == inPlace.events && inPlace.events.count > 2_000)
    }

    /// A bad value in a deferred row fails with the same message (file, byte offset, line, statement, table)
    /// as where it stands, after every other table's rows.
    @Test func anErrorInADeferredRowNamesTheSamePlace() throws {
        let url = try Self.plainDump { plain in
            let marker = Data("INSERT INTO `\(Self.table)`".utf8)
            var from = plain.startIndex
            for _ in 0..<3 { from = try #require(plain.range(of: marker, in: from..<plain.endIndex)).upperBound }
            let values = try #require(plain.range(of: Data(") VALUES (".utf8), in: from..<plain.endIndex))
            plain.replaceSubrange(values, with: Data(") VALUES (@".utf8))
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let inPlace = try Self.read(url, deferred: false)
        let deferred = try Self.read(url, deferred: true)
        let message = try #require(inPlace.error)
        #expect(message.contains("table \(Self.table)") && message.contains("byte ") && message.contains("statement "))
        #expect(deferred.error == message)
        // Every table after the basket is read first; the basket's two good rows follow.
        let basketBefore = inPlace.events.filter { $0.hasPrefix(Self.table + " ") }
        #expect(basketBefore.count == 2)
        #expect(Array(deferred.events.suffix(2)) == basketBefore)
        #expect(deferred.events.contains { $0.hasPrefix("b_sale_order ") })
        #expect(!inPlace.events.contains { $0.hasPrefix("b_sale_order ") })
    }

    /// A dump cut inside the deferred table: its rows up to the cut, then the same end (partial) or a
    /// truncation error, as where they stand.
    @Test(arguments: [false, true])
    func aDumpCutInsideTheDeferredTable(allowPartial: Bool) throws {
        let url = try Self.plainDump { plain in
            let marker = Data("INSERT INTO `\(Self.table)`".utf8)
            var from = plain.startIndex
            for _ in 0..<40 { from = try #require(plain.range(of: marker, in: from..<plain.endIndex)).upperBound }
            plain = plain.prefix(upTo: from + 600)
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let inPlace = try Self.read(url, deferred: false, allowPartial: allowPartial)
        let deferred = try Self.read(url, deferred: true, allowPartial: allowPartial)
        #expect(inPlace.events.filter { $0.hasPrefix(Self.table + " ") }.count >= 39)
        #expect((inPlace.error != nil) == !allowPartial && (deferred.error != nil) == !allowPartial)
        func rows(_ events: [String]) -> [String] { events.filter { !$0.hasPrefix("end ") } }
        #expect(rows(deferred.events) == rows(Self.expected(inPlace.events)))
        if allowPartial {
            #expect(deferred.events.last?.hasPrefix("end partial") == true)
            #expect(inPlace.events.last?.hasPrefix("end partial") == true)
        }
    }
}
