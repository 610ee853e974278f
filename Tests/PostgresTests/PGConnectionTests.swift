import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct PGConnectionTests {
    @Test func boundParametersCarryHostileTextExactly() throws {
        try TestDatabase.withConnection { db in
            let hostile = "O'Reilly \"q\" \\ back; DROP TABLE x; -- \u{00A0}4 950 ₸ 😀\t\n"
            let result = try db.execute(
                "SELECT \(hostile)::text, \(Int64.max), \(true), \(Optional<String>.none)::text")
            #expect(result.string(row: 0, column: 0) == hostile)
            #expect(result.string(row: 0, column: 1) == String(Int64.max))
            #expect(result.bool(row: 0, column: 2) == true)
            #expect(result.isNull(row: 0, column: 3))
        }
    }

    @Test func arraysAndByteaRoundTrip() throws {
        try TestDatabase.withConnection { db in
            let names = ["a\"b", "c\\d", "е,ж", ""]
            let r = try db.execute(
                "SELECT array_length(\(names)::text[], 1), (\(names)::text[])[1], (\(names)::text[])[2], (\(names)::text[])[3]"
            )
            #expect(try r.int(row: 0, column: 0) == 4)
            #expect(r.string(row: 0, column: 1) == "a\"b")
            #expect(r.string(row: 0, column: 2) == "c\\d")
            #expect(r.string(row: 0, column: 3) == "е,ж")
            let blob = PGBytes([0, 1, 2, 0xFF, 0x27, 0x5C])
            let b = try db.execute("SELECT encode(\(blob)::bytea, 'hex')")
            #expect(b.string(row: 0, column: 0) == "000102ff275c")
        }
    }

    @Test func errorsCarrySQLStateMessageAndSQL() throws {
        try TestDatabase.withConnection { db in
            try db.execute("CREATE TABLE t (id int PRIMARY KEY)")
            try db.execute("INSERT INTO t VALUES (\(1))")
            do {
                try db.execute("INSERT INTO t VALUES (\(1))")
                Issue.record("expected a unique violation")
            } catch let error as PGError {
                #expect(error.sqlState == "23505")
                #expect(error.description.contains("duplicate key"))
                #expect(error.description.contains("INSERT INTO t VALUES ($1)"))
                #expect(!error.description.contains("VALUES (1)"), "bound values are not printed")
            }
        }
    }

    @Test func fragmentsRenumberTheirParameters() throws {
        try TestDatabase.withConnection { db in
            let filter: PGQuery = "x > \(2) AND x < \(5)"
            let query: PGQuery =
                "SELECT count(*) FROM generate_series(\(1), \(10)) AS x WHERE \(filter) AND '$1' = '$1'"
            #expect(query.sql.contains("$3") && query.sql.contains("$4") && query.sql.contains("'$1'"))
            let count = try db.execute(query).int(row: 0, column: 0)
            #expect(count == 2)
        }
    }

    /// A fragment's text is never scanned: a `--` comment holding a quote, an `E'\''` string and a
    /// `$tag$` body that mentions `$1` all pass through, and the placeholders are the binds' positions.
    @Test func fragmentTextIsKeptAndPlaceholdersAreNumberedOnce() throws {
        try TestDatabase.withConnection { db in
            let comment: PGQuery = "\(Int64(10)) -- it's a comment\n + \(Int64(20))"
            let escaped: PGQuery = "E'\\'' || \("x")"
            let body: PGQuery = "$f$ SELECT $1 $f$"
            var query: PGQuery = "SELECT \(Int64(1)) + \(comment), \(escaped)::text, \(body)::text"
            query.append(", \(Int64(2))")
            #expect(query.binds.count == 5)
            let result = try db.execute(query)
            let (sum, text, function, last) = try result.decode((Int64, String, String, Int64).self, row: 0)
            #expect(sum == 31)
            #expect(text == "'x")
            #expect(function == " SELECT $1 ")
            #expect(last == 2)
        }
    }

    /// Cells decode into typed values (integers, floats, booleans, timestamps, NULL as `nil`), and a
    /// mismatch is a `decoding` error naming the column and its type, never the value.
    @Test func rowsDecodeTypedValues() throws {
        try TestDatabase.withConnection { db in
            try db.execute("SET TIME ZONE 'Asia/Almaty'")
            let result = try db.execute(
                """
                SELECT 42::int4 AS i, \(Int64.max) AS big, 2.5::float8 AS f, true AS yes, NULL::int8 AS missing,
                       '2025-10-25 03:00:00.25+05'::timestamptz AS at, '2025-10-24 22:00:00'::timestamp AS plain,
                       '2025-10-25'::date AS day, 'secret'::text AS word
                """)
            let i = try result.decode(Int32.self, row: 0, column: 0)
            let big = try result.decode(Int64.self, row: 0, column: "big")
            let f = try result.decode(Double.self, row: 0, column: 2)
            let yes = try result.decode(Bool.self, row: 0, column: 3)
            let missing = try result.decode(Int64?.self, row: 0, column: 4)
            #expect(i == 42 && big == Int64.max && f == 2.5 && yes && missing == nil)
            let utc = Date(timeIntervalSince1970: 1_761_343_200)  // 2025-10-24 22:00:00 UTC
            #expect(try result.decode(Date.self, row: 0, column: "at") == utc.addingTimeInterval(0.25))
            #expect(try result.decode(Date.self, row: 0, column: "plain") == utc)
            #expect(try result.decode(Date.self, row: 0, column: "day") == Date(timeIntervalSince1970: 1_761_350_400))
            for (column, attempt) in [
                ("missing", { _ = try result.decode(Int64.self, row: 0, column: "missing") }),
                ("word", { _ = try result.decode(Int64.self, row: 0, column: "word") }),
                ("yes", { _ = try result.decode(Date.self, row: 0, column: "yes") }),
            ] as [(String, () throws -> Void)] {
                #expect(throws: PGError.self, "\(column)") { try attempt() }
                do { try attempt() } catch let error as PGError {
                    #expect(error.code == .decoding)
                    #expect(error.message.contains(column) && !error.message.contains("secret"))
                }
            }
            let cursor = try db.query("SELECT \(Int64(7))::int8 AS n, now() AS t, \(Optional<String>.none)::text AS s")
            let row = try #require(try cursor.next())
            let (n, _, s) = try row.decode((Int, Date, String?).self)
            #expect(n == 7 && s == nil)
            #expect(try row.decode(Int.self, named: "n") == 7)
            while try cursor.next() != nil {}
        }
    }

    @Test func rowCursorStreamsAndTransactionsRollBack() throws {
        try TestDatabase.withConnection { db in
            let cursor = try db.query("SELECT g, repeat('x', (g % 7)::int) FROM generate_series(\(1), \(25_000)) AS g")
            var count = 0
            var sum = 0
            while let row = try cursor.next() {
                count += 1
                sum += Int(row[0] ?? "0") ?? 0
            }
            #expect(count == 25_000)
            #expect(sum == 25_000 * 25_001 / 2)
            try db.execute("CREATE TABLE t (v text)")
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try db.transaction { db in
                    try db.execute("INSERT INTO t VALUES (\("kept?"))")
                    throw Boom()
                }
            }
            #expect(try db.execute("SELECT count(*) FROM t").int(row: 0, column: 0) == 0)
        }
    }

    @Test func copyInAndCopyOutMoveEveryRow() throws {
        try TestDatabase.withConnection { db in
            try db.execute("CREATE TABLE c (id int, name text)")
            var next = 0
            let loaded = try db.copyIn("COPY c (id, name) FROM STDIN") { buffer in
                for _ in 0..<1000 where next < 5000 {
                    buffer.append(contentsOf: "\(next)\tname \(next) \\\\ tab\\there\n".utf8)
                    next += 1
                }
                return next < 5000
            }
            #expect(loaded == 5000)
            let cursor = try db.copyOut("COPY (SELECT id, name FROM c ORDER BY id) TO STDOUT")
            var rows = 0
            var last = ""
            while try cursor.next({ message in
                rows += 1
                last = String(decoding: message, as: UTF8.self)
            }) {}
            #expect(rows == 5000)
            #expect(last == "4999\tname 4999 \\\\ tab\\there\n")
            #expect(
                try db.execute("SELECT name FROM c WHERE id = \(7)").string(row: 0, column: 0) == "name 7 \\ tab\there")
        }
    }

    /// Rows of items, over several 1 MiB buffers, every one loaded once and in order; an item that throws
    /// aborts the COPY with nothing loaded; no items, no COPY.
    @Test func copyInRowsOfItems() throws {
        try TestDatabase.withConnection { db in
            try db.execute("CREATE TABLE c (id int, name text)")
            let names = (0..<20_000).map { "\($0)\t" + String(repeating: "x", count: 100) }
            let loaded = try db.copyIn("COPY c (id, name) FROM STDIN", rows: names.indices) { index, buffer in
                CopyText.appendRow([String(index), names[index]], to: &buffer)
            }
            #expect(loaded == 20_000)
            #expect(
                try db.execute("SELECT count(DISTINCT id), min(id), max(id) FROM c").rows == [["20000", "0", "19999"]])
            #expect(try db.execute("SELECT name FROM c WHERE id = 7").string(row: 0, column: 0) == names[7])

            struct Refused: Error {}
            #expect(throws: Refused.self) {
                try db.copyIn("COPY c (id, name) FROM STDIN", rows: 0..<10) { index, buffer in
                    if index == 9 { throw Refused() }
                    CopyText.appendRow([String(100_000 + index), "late"], to: &buffer)
                }
            }
            #expect(try db.execute("SELECT count(*) FROM c WHERE name = 'late'").int(row: 0, column: 0) == 0)
            #expect(try db.copyIn("COPY c (id, name) FROM STDIN", rows: [String]()) { _, _ in } == 0)
        }
    }

    @Test func aFailingCopyLoadsNothing() throws {
        try TestDatabase.withConnection { db in
            try db.execute("CREATE TABLE c (id int NOT NULL)")
            #expect(throws: PGError.self) {
                try db.copyIn("COPY c FROM STDIN") { buffer in
                    buffer.append(contentsOf: "1\n2\nnot-a-number\n".utf8)
                    return false
                }
            }
            #expect(try db.execute("SELECT count(*) FROM c").int(row: 0, column: 0) == 0)
        }
    }

    @Test func connectionErrorsAreClear() {
        #expect {
            try PGConnection(
                conninfo: "host=/nonexistent-socket-dir port=1 dbname=x connect_timeout=2",
                logger: TestDatabase.quietLogger)
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.code == .connection && error.description.contains("nonexistent-socket-dir")
        }
    }
}
