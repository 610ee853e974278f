import BackstopExtract
import BackstopModel
import BackstopTestSupport
import Foundation
import Logging
import Testing

/// `backstop extract --format csv`: one CSV writer, a fixed header per table or entity, every record at
/// its width, and an error (never a dropped or short row) when a record cannot be written.
@Suite struct ExtractCSVTests {
    /// Users without an e-mail or phone, the first of them first: their cells are empty, not missing.
    static let users = """
        CREATE TABLE `b_user` (`ID` int, `LOGIN` varchar(50), `NAME` varchar(50), `LAST_NAME` varchar(50), `EMAIL` varchar(255), `ACTIVE` char(1), `PERSONAL_PHONE` varchar(255), `PERSONAL_MOBILE` varchar(255));
        INSERT INTO `b_user` VALUES (1,'anna','Anna',NULL,'','Y',NULL,NULL),(2,'bob','Bob','Lee','bob@example.kz','Y','+7 701 123 45 67',NULL),(3,'cat',NULL,NULL,'cat \\"c\\", esq@example.kz','N',NULL,NULL);
        -- Dump completed on 2025-10-25  3:00:00

        """

    /// Writes `text` to a temporary `.sql` file for `body`.
    static func withDump<R>(_ text: String, _ body: (URL) async throws -> R) async throws -> R {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bx-csv-\(UUID().uuidString).sql")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try await body(url)
    }

    /// RFC 4180 records of `data` (quoted fields with `""`, CRLF line ends); `nil` is an empty unquoted field.
    static func records(_ data: Data) -> [[String?]] {
        var records: [[String?]] = []
        var record: [String?] = []
        var field: [UInt8] = []
        var quoted = false
        var inQuotes = false
        let bytes = Array(data)
        var i = 0
        func endField() {
            record.append(
                quoted
                    ? String(decoding: field, as: UTF8.self)
                    : (field.isEmpty ? nil : String(decoding: field, as: UTF8.self)))
            field = []
            quoted = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x22 && i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                if b == 0x22 { inQuotes = false } else { field.append(b) }
            } else if b == 0x22 {
                inQuotes = true
                quoted = true
            } else if b == 0x2C {
                endField()
            } else if b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A {
                endField()
                records.append(record)
                record = []
                i += 1
            } else {
                field.append(b)
            }
            i += 1
        }
        return records
    }

    @Test func entityCSVHasAFixedHeaderAndEveryRecordAtItsWidth() async throws {
        let binary = RepoPaths.backstopBinary
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path), "build the backstop binary first (swift build)")
        try await Self.withDump(Self.users) { url in
            let out = try await runProcess(
                binary.path, ["extract", "--dump", url.path, "--entity", "users", "--format", "csv"])
            let records = Self.records(out)
            #expect(records.first == CanonicalUser.csvHeader)
            #expect(records.count == 4)
            for record in records { #expect(record.count == CanonicalUser.csvHeader.count, "\(record)") }
            #expect(records.dropFirst().map { $0[3] } == [nil, "bob@example.kz", "cat \"c\", esq@example.kz"])
            #expect(records.dropFirst().map { $0[4] } == [nil, "+77011234567", nil])
            #expect(records.dropFirst().map { $0[5] } == ["true", "true", "false"])
        }
        // No entity at all: the header still says what the columns are.
        try await Self.withDump("CREATE TABLE `b_user` (`ID` int);\n-- Dump completed on 2025-10-25 03:00:00\n") {
            url in
            let out = try await runProcess(
                binary.path, ["extract", "--dump", url.path, "--entity", "orders", "--format", "csv"])
            #expect(Self.records(out) == [CanonicalOrder.csvHeader])
        }
    }

    @Test func everyEntityHeaderNamesItsFields() throws {
        var out: [UInt8] = []
        var writer = EntityCSV.writer(for: CanonicalProduct.self)
        try EntityCSV.write(
            CanonicalProduct(id: 5, name: "Розы, 25 шт", price: Kopecks(1_250_050), images: ["a.jpg", "b.jpg"]),
            with: &writer,
            into: &out)
        var orders = EntityCSV.writer(for: CanonicalOrder.self)
        try EntityCSV.write(
            CanonicalOrder(
                bitrixID: 7, status: .inDelivery, total: Kopecks(100),
                items: [
                    CanonicalOrderItem(productID: 5, name: "x", price: Kopecks(100), quantityTenThousandths: 10_000)
                ]), with: &orders, into: &out)
        let records = Self.records(Data(out))
        #expect(records.count == 2)
        #expect(
            records[0].count == CanonicalProduct.csvHeader.count && records[1].count == CanonicalOrder.csvHeader.count)
        #expect(
            records[0] == [
                "5", nil, "Розы, 25 шт", "1250050", "true", nil, nil, nil, nil, nil, #"["a.jpg","b.jpg"]"#, nil, nil,
            ])
        #expect(records[1][4] == "IN_DELIVERY")
        #expect(records[1][17] == #"[{"name":"x","price":100,"productID":5,"quantityTenThousandths":10000}]"#)
    }

    /// Every header column is one of the entity's fields: an entity with every field set fills every cell
    /// (a field the model drops leaves its column empty here; one it adds is an error above).
    @Test func everyHeaderColumnIsAField() throws {
        var out: [UInt8] = []
        var products = EntityCSV.writer(for: CanonicalProduct.self)
        try EntityCSV.write(
            CanonicalProduct(
                id: 1, shopID: 2, name: "n", price: Kopecks(3), enabled: false, type: .flowers, width: 4, height: 5,
                description: "d", image: "i", images: ["i"], createdAt: "c", updatedAt: "u"),
            with: &products, into: &out)
        var orders = EntityCSV.writer(for: CanonicalOrder.self)
        try EntityCSV.write(
            CanonicalOrder(
                bitrixID: 1, catalogID: 2, shopID: 3, bitrixStatus: "F", status: .paid, total: Kopecks(4),
                deliveryCost: Kopecks(5), currency: "KZT", userID: 6, customerName: "c", phone: "p", recipientName: "r",
                recipientPhone: "q", deliveryAddress: "a", items: [], createdAt: "c", subtotal: Kopecks(7),
                deliveryDate: "d", pickup: true, updatedAt: "u"),
            with: &orders, into: &out)
        var users = EntityCSV.writer(for: CanonicalUser.self)
        try EntityCSV.write(
            CanonicalUser(id: 1, login: "l", name: "n", email: "e", phone: "p", active: true), with: &users, into: &out)
        for record in Self.records(Data(out)) { #expect(!record.contains(nil), "\(record)") }
    }

    /// A field outside the header is an error and writes nothing; so is a record of another width.
    @Test func aRecordThatDoesNotFitIsAnErrorNotALine() throws {
        struct Extra: CSVEntity {
            static let csvHeader = ["id"]
            var id = 1
            var note = "kept?"
        }
        var out: [UInt8] = []
        var writer = EntityCSV.writer(for: Extra.self)
        #expect(throws: ExtractError.self) { try EntityCSV.write(Extra(), with: &writer, into: &out) }
        do { try EntityCSV.write(Extra(), with: &writer, into: &out) } catch { #expect(error.code == .encoding) }
        #expect(out.isEmpty)

        var csv = CSVWriter(header: ["a", "b"])
        csv.writeHeader(into: &out)
        let header = out
        csv.field("1", into: &out)
        csv.field("2", into: &out)
        csv.field("3", into: &out)
        do {
            try csv.endRecord(into: &out)
            Issue.record("expected a width error")
        } catch {
            #expect(error == CSVWriter.WidthMismatch(record: 1, fields: 3, columns: 2))
        }
        #expect(out == header, "the long record was taken back out")
        csv.field("1", into: &out)
        csv.field(nil as String?, into: &out)
        try csv.endRecord(into: &out)
        #expect(Self.records(Data(out)) == [["a", "b"], ["1", nil]])
    }

    /// A dump table's CSV: the header is the table's columns; rows of an INSERT with another column list
    /// are an error, not cells under the wrong heading.
    @Test func tableCSVRowsMatchTheirHeader() async throws {
        let dump = """
            CREATE TABLE `t` (`ID` int, `NAME` varchar(20), `B` blob);
            INSERT INTO `t` VALUES (1,'a,"b"',NULL),(2,'',X'00ff');
            INSERT INTO `t` (`ID`, `B`, `NAME`) VALUES (3,NULL,'c');
            -- Dump completed on 2025-10-25 03:00:00

            """
        try await Self.withDump(dump) { url in
            var out: [UInt8] = []
            do {
                _ = try DumpExport.write(dump: url, table: "t", format: .csv, logger: .quiet) { bytes in out += bytes }
                Issue.record("expected a column-list error")
            } catch let error as ExtractError {
                #expect(error.code == .schema)
                #expect(error.table == "t")
            }
            #expect(
                Self.records(Data(out)).prefix(3) == [
                    ["ID", "NAME", "B"], ["1", "a,\"b\"", nil], ["2", "", "⟨U+0000⟩\u{FFFD}"],
                ])
        }
    }

    /// Hostile text in a dump (an ANSI escape that recolours the terminal, a bell, a right-to-left override
    /// turning "gnp.exe" into "exe.png", a C1 control) reaches the CSV as visible code points, as SafeText
    /// shows it everywhere else; line breaks stay inside their quoted field, other bytes stay as they are.
    @Test func controlCharactersInDumpValuesAreShownAsCodePoints() async throws {
        let dump = """
            CREATE TABLE `t` (`ID` int, `NAME` varchar(200));
            INSERT INTO `t` VALUES (1,'\u{1B}[31mred\u{07} \u{202E}gnp.exe \u{85}x\\r\\ny'),(2,'Розы ✿ 4 950 ₸');
            -- Dump completed on 2025-10-25 03:00:00

            """
        try await Self.withDump(dump) { url in
            var out: [UInt8] = []
            _ = try DumpExport.write(dump: url, table: "t", format: .csv, logger: .quiet) { bytes in out += bytes }
            #expect(
                Self.records(Data(out)) == [
                    ["ID", "NAME"], ["1", "⟨U+001B⟩[31mred⟨U+0007⟩ ⟨U+202E⟩gnp.exe ⟨U+0085⟩x\r\ny"],
                    ["2", "Розы ✿ 4 950 ₸"],
                ])
            #expect(!out.contains(0x1B) && !out.contains(0x07), "no raw control byte is written")
        }
    }
}
