import BackstopExtract
import BackstopTestSupport
import Foundation
import Testing

/// Every fixture dump reads to exactly the rows the real server holds after loading the SQL it was made
/// from (`fixture/schema.sql` + `data.sql` + `bulk.sql`, read back with the `mariadb` client, HEX() for
/// bytes).
///
/// The fixtures are the project's own: `scripts/test.d/05-dump-fixtures.sh` builds them from
/// `Tests/ExtractTests/Fixtures/mysqldump` with the real mariadb-dump and mydumper. A `../shared` beside
/// the checkout adds its recorded set as extra cases; it is never required.
@Suite(.serialized, .enabled(if: MariaDB.isEnabled))
struct FixtureTests {
    /// The fixture sets: the project's own, then `../shared`'s when present.
    static let sets: [URL] = [RepoPaths.mysqldumpFixtures] + [RepoPaths.sharedMysqldumpFixtures].compactMap { $0 }

    static let fixtures = RepoPaths.mysqldumpFixtures

    static let allTables = [
        "b_catalog_price", "b_file", "b_iblock_element", "b_iblock_element_property", "b_sale_order_mini",
        "bx_types_probe",
    ]

    /// Which tables each fixture of `set` holds data for (mysqldump options chose them; see
    /// bitrix-mysqldump.md §C.3). A mydumper folder holds the tables it has data files for (the recorded
    /// set in `../shared` keeps three).
    static func cases(in set: URL) throws -> [(file: String, tables: [String])] {
        let mydumper = try FileManager.default.contentsOfDirectory(
            atPath: set.appendingPathComponent("11-mydumper-0.10").path
        )
        .compactMap { name -> String? in
            guard name.hasPrefix("bxtest."), name.hasSuffix(".sql"), !name.contains("-schema") else { return nil }
            return String(name.dropFirst("bxtest.".count).dropLast(".sql".count))
        }.sorted()
        let all = allTables
        return [
            ("01-default.sql", all), ("01-default.sql.gz", all), ("02-skip-extended-complete-insert.sql", all),
            ("03-hex-blob.sql", all), ("04-tab", all), ("05-routines-databases.sql", all),
            ("06-net-buffer-4096.sql", ["b_iblock_element_property"]), ("07-insert-ignore.sql", ["b_catalog_price"]),
            ("08-replace.sql", ["b_catalog_price"]), ("09-compact.sql", ["b_catalog_price", "b_sale_order_mini"]),
            ("10-data-only-single-tx.sql", ["b_sale_order_mini"]), ("11-mydumper-0.10", mydumper),
        ]
    }

    /// Loads `set`'s fixture database once per test and returns the expected rows of each table.
    static func expected(in set: URL = fixtures, _ body: ([String: [[[UInt8]?]]]) async throws -> Void) async throws {
        try #require(
            FileManager.default.fileExists(atPath: set.appendingPathComponent("fixture/schema.sql").path),
            "no dump fixtures in \(set.path): run scripts/test.d/05-dump-fixtures.sh (make test does)")
        try await MariaDB.withDatabase { db in
            var sql = Data()
            for name in ["schema.sql", "data.sql", "bulk.sql"] {
                let text = try String(contentsOf: set.appendingPathComponent("fixture/\(name)"), encoding: .utf8)
                sql.append(Data(text.replacingOccurrences(of: "bxtest", with: db).utf8))
                sql.append(Data("\n".utf8))
            }
            try await MariaDB.run("mariadb", [], input: sql)
            var rows: [String: [[[UInt8]?]]] = [:]
            for table in allTables { rows[table] = try await MariaDB.expectedRows(database: db, table: table) }
            try await body(rows)
        }
    }

    @Test(arguments: sets)
    func everyFixtureReadsToTheServerRows(set: URL) async throws {
        try await Self.expected(in: set) { expected in
            #expect(try Self.cases(in: set).last?.tables.contains("b_catalog_price") == true, "mydumper data files")
            for (file, tables) in try Self.cases(in: set) {
                // --compact dumps have no footer: they read as partial (documented), with every row.
                let partial = file == "09-compact.sql"
                let (rows, end) = try readAll(set.appendingPathComponent(file), options: .init(allowPartial: partial))
                #expect(Set(rows.keys) == Set(tables), "\(file): tables with rows")
                for table in tables {
                    let got = bytes(of: rows[table] ?? [])
                    #expect(got.count == expected[table]!.count, "\(file) \(table): row count")
                    for (n, (g, e)) in zip(got, expected[table]!).enumerated() where g != e {
                        Issue.record("\(file) \(table) row \(n + 1) differs:\n got \(g)\nwant \(e)")
                        break
                    }
                }
                if partial {
                    guard case .partial = end else {
                        Issue.record("\(file): expected a partial end, got \(String(describing: end))"); continue
                    }
                } else {
                    #expect(end == .complete, "\(file)")
                }
            }
        }
    }

    @Test func columnNamesComeFromCreateTableOrTheColumnList() throws {
        for file in ["01-default.sql", "02-skip-extended-complete-insert.sql", "05-routines-databases.sql"] {
            let (rows, _) = try readAll(
                Self.fixtures.appendingPathComponent(file), options: .init(tables: ["b_catalog_price"]))
            let row = try #require(rows["b_catalog_price"]?.last)
            #expect(row.columns.names.first == "ID" && row.columns.names.last == "PRICE_SCALE")
            #expect(row["PRICE"]?.scaledDecimal(scale: 2) == 999_999_999_999_999_999)
            #expect(rows.keys.count == 1, "only requested tables are materialised")
        }
        let (rows, _) = try readAll(
            Self.fixtures.appendingPathComponent("05-routines-databases.sql"), options: .init(tables: ["b_file"]))
        #expect(rows["b_file"]?.first?.database == "bxtest")
    }

    @Test func tabCSVVariantReadsWithItsFormat() async throws {
        try await Self.expected { expected in
            let dir = Self.fixtures.appendingPathComponent("04-tab")
            let schemaReader = try DumpReader(url: dir.appendingPathComponent("b_iblock_element.sql"), logger: .quiet)
            var schema: DumpTableSchema?
            while let event = try schemaReader.next() { if case .table(let s) = event { schema = s } }
            let source = try FileByteSource.openDecompressing(
                path: Self.fixtures.appendingPathComponent("04-tab-csv-b_iblock_element.txt").path)
            let reader = TabFileReader(
                source: source, schema: try #require(schema),
                format: TabFormat(fieldTerminator: 0x2C, enclosedBy: 0x22),
                options: .init(), logger: .quiet)
            let (rows, end) = try drain(reader)
            #expect(end == .complete)
            // mysqldump's CSV mode writes Ctrl-Z raw and NUL as `\0`, like the TSV; same rows as the server.
            #expect(bytes(of: rows["b_iblock_element"] ?? []) == expected["b_iblock_element"]!)
        }
    }

    @Test func invalidUTF8BlobsStayBytes() async throws {
        // The oracle: the real client loads the fixture dump itself.
        try await MariaDB.withDatabase { db in
            let url = Self.fixtures.appendingPathComponent("12-invalid-utf8-blob.sql")
            try await MariaDB.run("mariadb", [db], input: try Data(contentsOf: url))
            let want = try await MariaDB.expectedRows(database: db, table: "bin_probe")
            let (rows, end) = try readAll(url)
            #expect(end == .complete)
            #expect(bytes(of: rows["bin_probe"] ?? []) == want)
            #expect(want.count == 6)
        }
    }

    @Test func backstopExtractWritesNDJSON() async throws {
        let binary = RepoPaths.backstopBinary
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path), "build the backstop binary first (swift build)")
        try await Self.expected { expected in
            for (file, table) in [
                ("01-default.sql", "b_iblock_element"), ("03-hex-blob.sql", "bx_types_probe"),
                ("01-default.sql.gz", "bx_types_probe"),
                ("11-mydumper-0.10", "b_catalog_price"), ("04-tab", "b_file"),
                ("02-skip-extended-complete-insert.sql", "b_iblock_element_property"),
            ] {
                let out = try await runProcess(
                    binary.path,
                    ["extract", "--dump", Self.fixtures.appendingPathComponent(file).path, "--table", table])
                let lines = out.split(separator: 0x0A)
                let want = expected[table]!
                #expect(lines.count == want.count, "\(file) \(table)")
                let names = try readAll(
                    Self.fixtures.appendingPathComponent("01-default.sql"), options: .init(tables: [table])
                ).rows[table]![0].columns.names
                for (line, wantRow) in zip(lines, want) {
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                    #expect(Set(object.keys) == Set(names))
                    // Keys come in table order.
                    let text = String(decoding: line, as: UTF8.self)
                    let positions = names.map { text.range(of: "\"\($0)\":")!.lowerBound }
                    #expect(positions == positions.sorted())
                    for (name, value) in zip(names, wantRow) {
                        let got: [UInt8]?
                        switch object[name] {
                        case is NSNull: got = nil
                        case let s as String: got = Array(s.utf8)
                        case let d as [String: Any]: got = Data(base64Encoded: d["base64"] as! String).map { Array($0) }
                        default: got = [0xFF, 0xFF]
                        }
                        #expect(got == value, "\(file) \(table).\(name)")
                    }
                }
            }
        }
    }
}
