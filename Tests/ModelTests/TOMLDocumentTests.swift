import BackstopModel
import Testing

@Suite struct TOMLDocumentTests {
    @Test func readsTablesStringsNumbersArraysAndComments() throws {
        let document = try TOMLDocument(
            parsing: """
                # Backstop configuration
                top = "level"
                [catalog]
                url = "postgresql://backstop@db/cvety"   # trailing comment
                shop_id = 17_008
                [bitrix]
                iblocks = [2, 27]
                dumps = ['/backups/a.sql.gz', "/b \\"quoted\\".sql"]
                ratio = 0.5
                enabled = true
                "quoted key" = "\\u0442\\t"
                """)
        #expect(document["top"] == .string("level"))
        #expect(document["catalog.url"] == .string("postgresql://backstop@db/cvety"))
        #expect(document["catalog.shop_id"] == .integer(17008))
        #expect(document["bitrix.iblocks"] == .array([.integer(2), .integer(27)]))
        #expect(document["bitrix.dumps"] == .array([.string("/backups/a.sql.gz"), .string("/b \"quoted\".sql")]))
        #expect(document["bitrix.ratio"] == .float(0.5))
        #expect(document["bitrix.enabled"] == .boolean(true))
        #expect(document["bitrix.quoted key"] == .string("т\t"))
    }

    @Test(arguments: [
        ("a = \"open", 1, "unterminated"),
        ("\n\nx = bare", 3, "strings need quotes"),
        ("[t]\nk = 1\nk = 2", 3, "duplicate key t.k"),
        ("[[arr]]", 1, "not supported"),
        ("k = [1,\n2]", 1, "one line"),
    ])
    func reportsTheLineOfTheFirstProblem(text: String, line: Int, fragment: String) {
        do {
            _ = try TOMLDocument(parsing: text, file: "backstop.toml")
            Issue.record("expected a parse error for \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.description.hasPrefix("backstop.toml:\(line):"))
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }
}
