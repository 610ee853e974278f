@testable import BackstopExtract
import BackstopTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The reader's row pre-filter (`DumpReader.Options.rowFilter`): rows whose integer key is not wanted are
/// skimmed, never handed out; every other event is exactly the unfiltered reader's, whatever the window
/// size, with read-ahead and with deferred tables; rows with a NULL or non-integer key still arrive; the
/// keys are asked once per table, on the consuming thread.
@Suite struct RowFilterTests {
    /// A dump whose filtered table `t` (key `K`, second column) has rows that skimming must frame exactly:
    /// `)` and `(` inside `'…'` and `"…"` strings, backslash escapes, doubled quotes, a row longer than
    /// the 64-byte block, a NULL key, a quoted key and a non-integer key; and table `u`, keyed by its last
    /// column.
    static let handDump: String = {
        let long = String(repeating: "(x) ", count: 30) + "it\\'s \\\\ ''q'' )"
        return """
            CREATE TABLE `t` (`ID` int NOT NULL, `K` int DEFAULT NULL, `S` varchar(200), `D` text);
            CREATE TABLE `u` (`ID` int NOT NULL, `K` int DEFAULT NULL);
            INSERT INTO `t` VALUES (1,5,'a)b','x'),(2,6,'it\\'s (not) here )','y'),(3,NULL,'n',NULL),(4,'5','quoted key',"dq ) (")
            ,(5,7,'\(long)','z'),(6,8,"dq ( ) ' \\" x",'(('),(7,'abc','garbage key','q'),('x1',6,'bad id','q');
            INSERT INTO `u` VALUES (1,9),(2,5),(3,9);
            INSERT INTO `t` VALUES (8,5,'last',')'),(9 , 6 , ')' , '(');
            -- Dump completed on 2025-10-25  3:00:00

            """
    }()

    /// `text` in a temporary file.
    static func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rowfilter-\(UUID().uuidString).sql")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The events of `url` read with `filter` (none: every row), in windows of `readSize` bytes.
    static func read(_ url: URL, filter: DumpRowFilter?, readSize: Int = 512 << 10, allowPartial: Bool = false)
        throws -> (events: [String], completedAt: String?, error: String?)
    {
        var options = DumpReader.Options(allowPartial: allowPartial)
        options.rowFilter = filter
        let reader = DumpReader(
            source: try FileByteSource(path: url.path), options: options, logger: .quiet, readSize: readSize)
        return ReadAheadTests.drain(reader)
    }

    /// `events` without the rows of `table` whose first value (the id) is in `ids`.
    static func removing(_ events: [String], table: String, ids: Set<String>) -> [String] {
        events.filter { event in
            guard event.hasPrefix(table + " [") else { return true }
            let id = event.dropFirst(table.count + 3).prefix { $0 != "\"" }
            return !ids.contains(String(id))
        }
    }

    @Test(arguments: [1, 2, 3, 5, 16, 63, 64, 65, 100, 512 << 10])
    func unwantedKeysAreSkimmedAtAnyWindowSize(readSize: Int) throws {
        let url = try Self.file(Self.handDump)
        defer { try? FileManager.default.removeItem(at: url) }
        let all = try Self.read(url, filter: nil, readSize: readSize)
        #expect(all.error == nil && all.events.filter { $0.hasPrefix("t [") }.count == 10)
        let filter = DumpRowFilter(keyColumns: ["t": "K", "u": "K"], idColumns: ["t": "ID"]) { _ in [5] }
        let kept = try Self.read(url, filter: filter, readSize: readSize)
        // t: 2, 5, 6 and 9 have integer keys other than 5; 3 (NULL), 4 ('5'), 7 ('abc') and x1 (an id that
        // is not an integer) arrive. u: 1 and 3.
        let expected = Self.removing(
            Self.removing(all.events, table: "t", ids: ["2", "5", "6", "9"]), table: "u", ids: ["1", "3"])
        #expect(kept.error == nil, "\(kept.error ?? "")")
        #expect(kept.events == expected, "window \(readSize)")
        #expect(kept.completedAt == all.completedAt && all.completedAt != nil)
        #expect(filter.dropped == 6)
    }

    @Test func noKeysMeansEveryRowAndEachTableIsAskedOnce() throws {
        let url = try Self.file(Self.handDump)
        defer { try? FileManager.default.removeItem(at: url) }
        let asked = Mutex<[String]>([])
        let filter = DumpRowFilter(keyColumns: ["t": "K", "u": "K", "absent": "K"]) { table in
            asked.withLock { $0.append(table) }
            return nil
        }
        let all = try Self.read(url, filter: nil)
        let read = try Self.read(url, filter: filter)
        #expect(read.events == all.events && filter.dropped == 0)
        #expect(asked.withLock { $0 } == ["t", "u"], "once per table, in the order their rows begin")
    }

    /// An id column after the key cannot be judged when the key is read: the table is then not filtered.
    @Test func anIdColumnAfterTheKeyTurnsTheFilterOff() throws {
        let url = try Self.file(Self.handDump)
        defer { try? FileManager.default.removeItem(at: url) }
        let all = try Self.read(url, filter: nil)
        let filter = DumpRowFilter(keyColumns: ["t": "K", "u": "K"], idColumns: ["t": "S", "u": "ID"]) { _ in [5] }
        let read = try Self.read(url, filter: filter)
        #expect(read.events == Self.removing(all.events, table: "u", ids: ["1", "3"]))
        #expect(filter.dropped == 2)
    }

    /// A dump cut inside a row that is being skimmed is still a truncation (and a partial end with
    /// `allowPartial`), after the rows before it.
    @Test func aCutInsideASkimmedRowIsATruncation() throws {
        let text = Self.handDump
        let cut = try #require(text.range(of: "(not) here"))
        let url = try Self.file(String(text[..<cut.lowerBound]))
        defer { try? FileManager.default.removeItem(at: url) }
        let filter = DumpRowFilter(keyColumns: ["t": "K"]) { _ in [5] }
        let strict = try Self.read(url, filter: filter, readSize: 7)
        let message = try #require(strict.error)
        #expect(message.contains("truncated") || message.contains("ends"), "\(message)")
        #expect(message.contains("table t"), "\(message)")
        #expect(strict.events.last?.hasPrefix("t [\"1\"") == true)
        let partial = try Self.read(url, filter: filter, readSize: 7, allowPartial: true)
        #expect(partial.error == nil && partial.events.last?.hasPrefix("end partial") == true)
    }

    /// The tiny world's dump, filtered on the order tables: the same events as unfiltered minus exactly the
    /// rows of the unwanted orders, read in place, with read-ahead (keys asked on the consuming thread,
    /// whatever the batch size) and with the basket deferred after the orders.
    @Test(arguments: [(false, 0, 0), (true, 1, 1), (true, 7, 2), (true, 2048, 8)])
    func theTinyDumpFilteredIsTheUnfilteredMinusTheUnwantedRows(readAhead: Bool, batchSize: Int, capacity: Int)
        throws
    {
        let url = try DeferredTablesTests.plainDump()
        defer { try? FileManager.default.removeItem(at: url) }
        let all = ReadAheadTests.drain(try DumpReader.open(url, options: .init(), logger: .quiet))
        // Every third order id that the dump's order rows name.
        let orderIDs = all.events.filter { $0.hasPrefix("b_sale_order [") }.compactMap { event in
            Int64(event.dropFirst("b_sale_order [\"".count).prefix { $0 != "\"" })
        }
        #expect(orderIDs.count > 100)
        let wanted = Set(orderIDs.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        let consumer = pthread_self()
        let onConsumer = Mutex(true)
        let filter = DumpRowFilter(keyColumns: [
            "b_sale_basket": "ORDER_ID", "b_sale_order_props_value": "ORDER_ID",
        ]) { _ in
            if pthread_equal(pthread_self(), consumer) == 0 { onConsumer.withLock { $0 = false } }
            return wanted
        }
        for deferred in [false, true] {
            var options = DumpReader.Options()
            options.rowFilter = filter
            if deferred { options.deferredTables = ["b_sale_basket"] }
            let reader = try DumpReader.open(url, options: options, logger: .quiet)
            let stream: any DumpEventStream =
                readAhead ? ReadAheadDumpStream(reader, batchSize: batchSize, capacity: capacity) : reader
            let read = ReadAheadTests.drain(stream)
            var expected = all.events
            if deferred { expected = DeferredTablesTests.expected(expected) }
            // ORDER_ID is the third value of a basket line (after ID and FUSER_ID) and the second of a
            // property value; the values before it are numbers, so splitting at commas finds it.
            let orderColumn = ["b_sale_basket": 2, "b_sale_order_props_value": 1]
            expected = expected.filter { event in
                for (table, column) in orderColumn where event.hasPrefix(table + " [") {
                    let values = event.dropFirst(table.count + 2).split(separator: ",")
                    let order = values.count > column ? Int64(values[column].filter(\.isNumber)) : nil
                    return order.map { wanted.contains($0) } ?? true
                }
                return true
            }
            #expect(read.error == nil)
            #expect(read.events.count < all.events.count - 1_000, "rows were dropped")
            #expect(read.events == expected, "read-ahead \(readAhead) \(batchSize)/\(capacity), deferred \(deferred)")
        }
        #expect(onConsumer.withLock { $0 }, "the keys were asked on the consuming thread")
    }

    /// The decoder's key sets answer exactly like `Set.contains`, in the bitmap form (dense keys) and the
    /// sorted form (sparse keys, the extremes of Int64), for keys inside, between and outside them.
    static let keySets: [Set<Int64>] = {
        let dense: Set<Int64> = Set((0..<500).map { Int64($0 * 3) })
        let sparse: Set<Int64> = Set((0..<300).map { Int64($0) * 1_000_000_007 })
        let extremes: Set<Int64> = [.min, -1, 0, 7, .max]
        let orders: Set<Int64> = [100_001, 100_004, 100_005, 1_099_999]
        return [orders, dense, extremes, [42], [], sparse]
    }()

    @Test(arguments: keySets)
    func keySetsAnswerLikeASet(keys: Set<Int64>) {
        let set = RowKeySet(keys)
        let test = set.test(column: 1, idColumn: -1)
        var probes: [Int64] = [.min, .min + 1, -2, -1, 0, 1, 2, 6, 7, 8, 41, 42, 43, .max - 1, .max]
        for key in keys { probes += [key, key &- 1, key &+ 1] }
        for probe in probes {
            #expect(test.contains(probe) == keys.contains(probe), "\(probe) in \(keys.count) keys")
        }
        withExtendedLifetime(set) {}
    }
}
