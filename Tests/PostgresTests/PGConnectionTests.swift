import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct PGConnectionTests {
    @Test func boundParametersCarryHostileTextExactly() throws {
        try TestDatabase.withConnection { db in
            let hostile = "O'Reilly \"q\" \\ back; DROP TABLE x; -- \u{00A0}4 950 ₸ 😀\t\n"
            let result = try db.execute("SELECT \(hostile)::text, \(Int64.max), \(true), \(Optional<String>.none)::text")
            #expect(result.string(row: 0, column: 0) == hostile)
            #expect(result.string(row: 0, column: 1) == String(Int64.max))
            #expect(result.bool(row: 0, column: 2) == true)
            #expect(result.isNull(row: 0, column: 3))
        }
    }

    @Test func arraysAndByteaRoundTrip() throws {
        try TestDatabase.withConnection { db in
            let names = ["a\"b", "c\\d", "е,ж", ""]
            let r = try db.execute("SELECT array_length(\(names)::text[], 1), (\(names)::text[])[1], (\(names)::text[])[2], (\(names)::text[])[3]")
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
            let query: PGQuery = "SELECT count(*) FROM generate_series(\(1), \(10)) AS x WHERE \(filter) AND '$1' = '$1'"
            #expect(query.sql.contains("$3") && query.sql.contains("$4") && query.sql.contains("'$1'"))
            let count = try db.execute(query).int(row: 0, column: 0)
            #expect(count == 2)
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
            #expect(try db.execute("SELECT name FROM c WHERE id = \(7)").string(row: 0, column: 0) == "name 7 \\ tab\there")
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
            try PGConnection(conninfo: "host=/nonexistent-socket-dir port=1 dbname=x connect_timeout=2", logger: TestDatabase.quietLogger)
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.kind == .connection && error.description.contains("nonexistent-socket-dir")
        }
    }
}
