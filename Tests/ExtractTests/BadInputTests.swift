import BackstopExtract
import BackstopTestSupport
import Foundation
import InMemoryLogging
import Logging
import Testing

/// Truncation, compression damage, huge rows, charsets, stray lines and BOMs: each gives the documented
/// error (with its location) or behaviour.
@Suite struct BadInputTests {
    static let dump = RepoPaths.mysqldumpFixtures.appendingPathComponent("01-default.sql")

    static func fixtureBytes() throws -> [UInt8] {
        try #require(
            FileManager.default.fileExists(atPath: dump.path),
            "no dump fixtures in \(RepoPaths.mysqldumpFixtures.path): run scripts/test.d/05-dump-fixtures.sh (make test does)"
        )
        return Array(try Data(contentsOf: dump))
    }

    static func read(
        _ bytes: [UInt8], options: DumpReader.Options = .init(), logger: Logger = .quiet, maxRead: Int = .max,
        readSize: Int = 4 << 20
    )
        throws(ExtractError) -> (rows: [String: [DumpRow]], end: DumpCompletion?)
    {
        let reader = DumpReader(
            source: MemoryByteSource(bytes, name: "test.sql", maxRead: maxRead), options: options, logger: logger,
            readSize: readSize)
        var rows: [String: [DumpRow]] = [:]
        var end: DumpCompletion?
        while let event = try reader.next() {
            if case .row(let row) = event { rows[row.table, default: []].append(row) }
            if case .end(let c) = event { end = c }
        }
        return (rows, end)
    }

    static func offset(of needle: String, in bytes: [UInt8]) -> Int {
        let n = Array(needle.utf8)
        for i in 0...(bytes.count - n.count) where Array(bytes[i..<i + n.count]) == n { return i }
        Issue.record("\(needle) not in fixture")
        return 0
    }

    static func lineNumber(at offset: Int, in bytes: [UInt8]) -> Int { bytes[..<offset].count { $0 == 0x0A } + 1 }

    @Test(.enabled(if: MariaDB.fixturesEnabled)) func chunkBoundariesAnywhereGiveTheSameRows() throws {
        let bytes = try Self.fixtureBytes()
        let whole = try Self.read(bytes)
        for maxRead in [1, 2, 3, 7, 64, 4093] {
            let pieces = try Self.read(bytes, maxRead: maxRead, readSize: 64)
            #expect(pieces.end == .complete)
            for (table, rows) in whole.rows {
                #expect(
                    BackstopExtractTests.bytes(of: pieces.rows[table] ?? []) == BackstopExtractTests.bytes(of: rows),
                    "maxRead \(maxRead) \(table)")
            }
        }
    }

    @Test(.enabled(if: MariaDB.fixturesEnabled)) func truncatedInsideARowNamesTheTableAndOffset() throws {
        let bytes = try Self.fixtureBytes()
        let cut = Self.offset(of: "Значение свойства #150", in: bytes)
        let prefix = Array(bytes[..<cut])
        do {
            _ = try Self.read(prefix)
            Issue.record("expected a truncation error")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.table == "b_iblock_element_property")
            #expect(error.offset == Int64(cut))
            #expect(error.line == Self.lineNumber(at: cut, in: bytes))
            #expect(error.file == "test.sql")
            #expect(error.statement != nil)
        }
        let partial = try Self.read(prefix, options: .init(allowPartial: true))
        guard case .partial(let reason) = partial.end else { Issue.record("expected partial"); return }
        #expect(reason.contains("b_iblock_element_property"))
        #expect(partial.rows["b_iblock_element_property"]?.count == 149)
        #expect(partial.rows["b_iblock_element"]?.count == 4)
    }

    @Test(.enabled(if: MariaDB.fixturesEnabled)) func missingFooterIsTruncation() throws {
        let bytes = try Self.fixtureBytes()
        let cut = Self.offset(of: "-- Dump completed", in: bytes)
        do {
            _ = try Self.read(Array(bytes[..<cut]))
            Issue.record("expected a truncation error")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.offset == Int64(cut))
            #expect(error.line == Self.lineNumber(at: cut, in: bytes))
        }
        // The footer text inside a string literal does not count.
        var fake = Array(bytes[..<cut])
        fake += Array(
            "INSERT INTO `b_file` VALUES (99,NULL,'\n-- Dump completed on x\n',NULL,NULL,NULL,NULL,NULL,'f',NULL,NULL,NULL,NULL);\n"
                .utf8)
        #expect(throws: ExtractError.self) { try Self.read(fake) }
        let partial = try Self.read(fake, options: .init(allowPartial: true))
        #expect(partial.rows["b_file"]?.last?["MODULE_ID"]?.text == "\n-- Dump completed on x\n")
    }

    @Test(.enabled(if: MariaDB.fixturesEnabled)) func truncatedAndMultiMemberGzip() async throws {
        let gz = Array(try Data(contentsOf: RepoPaths.mysqldumpFixtures.appendingPathComponent("01-default.sql.gz")))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bx-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cut = dir.appendingPathComponent("cut.sql.gz")
        try Data(gz[..<(gz.count / 2)]).write(to: cut)
        do {
            _ = try readAll(cut)
            Issue.record("expected a truncated gzip error")
        } catch let error as ExtractError {
            #expect(error.code == .truncated)
            #expect(error.file == cut.path)
            #expect(error.offset != nil)
        }
        // Two members (pigz / cat a.gz b.gz): split the plain dump, gzip each half, concatenate.
        let bytes = try Self.fixtureBytes()
        let half = Self.offset(of: "-- Table structure for table `b_iblock_element`", in: bytes)
        var multi = Data()
        for part in [bytes[..<half], bytes[half...]] {
            multi.append(try await runProcess("/bin/gzip", ["-c"], input: Data(part)))
        }
        let multiURL = dir.appendingPathComponent("multi.sql.gz")
        try multi.write(to: multiURL)
        let plain = try readAll(Self.dump)
        let fromMulti = try readAll(multiURL)
        #expect(fromMulti.end == .complete)
        for (table, rows) in plain.rows {
            #expect(BackstopExtractTests.bytes(of: fromMulti.rows[table] ?? []) == BackstopExtractTests.bytes(of: rows))
        }
        // zstd, recognised by magic bytes.
        let zst = dir.appendingPathComponent("d.sql.zst")
        try await runProcess("/usr/bin/zstd", ["-q", "-o", zst.path, Self.dump.path])
        let fromZstd = try readAll(zst)
        #expect(fromZstd.rows["b_iblock_element_property"]?.count == plain.rows["b_iblock_element_property"]?.count)
        #expect(
            BackstopExtractTests.bytes(of: fromZstd.rows["bx_types_probe"]!)
                == BackstopExtractTests.bytes(of: plain.rows["bx_types_probe"]!))
    }

    /// Truncation is the error's code, whatever layer found it: a gzip or zstd stream cut inside a member
    /// reads as partial under `allowPartial` like a cut plain dump, and a corrupt one still fails.
    @Test(.enabled(if: MariaDB.fixturesEnabled)) func truncationIsACodeWhereverItIsFound() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bx-cut-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try readAll(Self.dump)
        // zstd decodes whole blocks only: two frames (one per half of the dump), cut inside the second.
        let bytes = try Self.fixtureBytes()
        let firstFrame = try await runProcess("/usr/bin/zstd", ["-q", "-c"], input: Data(bytes[..<(bytes.count / 2)]))
        let zstd =
            firstFrame
            + (try await runProcess("/usr/bin/zstd", ["-q", "-c"], input: Data(bytes[(bytes.count / 2)...])))
        let zst = dir.appendingPathComponent("d.sql.zst")
        try zstd.write(to: zst)
        let gz = RepoPaths.mysqldumpFixtures.appendingPathComponent("01-default.sql.gz")
        for (source, cutAt) in [
            (gz, try Data(contentsOf: gz).count * 2 / 3), (zst, (firstFrame.count + zstd.count) / 2),
        ] {
            let compressed = try Data(contentsOf: source)
            let cut = dir.appendingPathComponent("cut-" + source.lastPathComponent)
            try compressed.prefix(cutAt).write(to: cut)
            #expect(throws: ExtractError.self) { try readAll(cut) }
            let (rows, end) = try readAll(cut, options: .init(allowPartial: true))
            guard case .partial = end else {
                Issue.record("\(source.lastPathComponent): expected a partial end, got \(String(describing: end))")
                continue
            }
            let read = rows.values.map(\.count).reduce(0, +)
            let all = plain.rows.values.map(\.count).reduce(0, +)
            #expect(read > 0 && read < all, "\(source.lastPathComponent): \(read) of \(all) rows before the cut")
            var corrupt = compressed
            for i in stride(from: compressed.count / 3, to: compressed.count / 3 + 64, by: 1) { corrupt[i] ^= 0x5A }
            let broken = dir.appendingPathComponent("corrupt-" + source.lastPathComponent)
            try corrupt.write(to: broken)
            do {
                _ = try readAll(broken, options: .init(allowPartial: true))
                Issue.record("\(source.lastPathComponent): expected a corrupt-stream error")
            } catch let error as ExtractError {
                #expect(error.code == .compression, "\(error)")
            }
        }
    }

    @Test func hundredMegabyteRowReadsWithTheDefaultLimit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bx-big-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("big.sql")
        let size = 100_000_000
        var head = Array(
            "CREATE TABLE `big` (\n  `ID` int(11) NOT NULL,\n  `DETAIL_TEXT` longtext\n);\nINSERT INTO `big` VALUES (1,'"
                .utf8)
        let rowStart = head.count - Array("(1,'".utf8).count
        var body = [UInt8](repeating: 0x61, count: size)
        // \' escapes spread through it.
        for i in stride(from: 0, to: size, by: 1_000_003) { body[i] = 0x5C; body[i + 1] = 0x27 }
        head += body
        head += Array("');\n-- Dump completed\n".utf8)
        try Data(head).write(to: url)
        let (rows, end) = try readAll(url, options: .init(tables: ["big"]))
        #expect(end == .complete)
        let value = try #require(rows["big"]?.first?["DETAIL_TEXT"]?.rawBytes)
        let escapes = (size + 1_000_002) / 1_000_003
        #expect(value.count == size - escapes)
        #expect(value[0] == 0x27 && value[1] == 0x61)
        do {
            _ = try readAll(url, options: .init(tables: ["big"], maxRowBytes: 10 << 20))
            Issue.record("expected the row limit error")
        } catch let error as ExtractError {
            #expect(error.code == .limit)
            #expect(error.offset == Int64(rowStart))
            #expect(error.line == 5)
            #expect(error.table == "big")
        }
        // Skipped tables are never buffered: the limit does not apply to them.
        let skipped = try readAll(url, options: .init(tables: ["other"], maxRowBytes: 1 << 20))
        #expect(skipped.end == .complete && skipped.rows.isEmpty)
    }

    @Test func unsupportedCharsetIsRejectedWithItsName() throws {
        let text = "/*!40101 SET NAMES utf8mb4 */;\n/*!40101 SET NAMES ucs2 */;\n-- Dump completed\n"
        do {
            _ = try Self.read(Array(text.utf8))
            Issue.record("expected a charset error")
        } catch {
            #expect(error.code == .charset)
            #expect(error.line == 2)
            #expect(error.statement == 2)
        }
    }

    @Test func cp1251DumpIsTranscodedAndBlobsStayBytes() throws {
        var bytes = Array(
            "/*!40101 SET NAMES cp1251 */;\nCREATE TABLE `t` (\n  `ID` int,\n  `NAME` varchar(20),\n  `B` blob\n);\nINSERT INTO `t` VALUES (1,'"
                .utf8)
        bytes += [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, 0xB9]  // Привет№ in cp1251
        bytes += Array("','".utf8) + [0xCF, 0xF0] + Array("');\n-- Dump completed\n".utf8)
        let (rows, _) = try Self.read(bytes)
        let row = try #require(rows["t"]?.first)
        #expect(row["NAME"]?.text == "Привет№")
        #expect(row["B"]?.rawBytes == [0xCF, 0xF0])
    }

    @Test func wrongCharsetWarnsOrFails() throws {
        var bytes = Array(
            "/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `t` (\n  `ID` int,\n  `NAME` varchar(20)\n);\nINSERT INTO `t` VALUES\n(1,'ok'),\n(2,'"
                .utf8)
        let rowOffset = bytes.count - 4
        bytes += [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2]  // cp1251 bytes in a file that says utf8mb4
        bytes += Array("');\n-- Dump completed\n".utf8)
        let (logger, log) = Logger.capturing()
        let (rows, _) = try Self.read(bytes, logger: logger)
        #expect(rows["t"]?.last?["NAME"]?.rawBytes == [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2])
        let warning = try #require(log.warnings.first { $0.message.description.contains("invalid UTF-8") })
        #expect(warning.metadata["dump.column"] == "NAME")
        #expect(warning.metadata["dump.line"] == "8")
        do {
            _ = try Self.read(bytes, options: .init(strictCharset: true))
            Issue.record("expected a charset error")
        } catch {
            #expect(error.code == .charset)
            #expect(error.table == "t")
            #expect(error.line == 8)
            #expect(error.offset == Int64(rowOffset))
        }
    }

    @Test(.enabled(if: MariaDB.fixturesEnabled)) func strayClientLinesAreSkippedWithAWarning() throws {
        let bytes = try Self.fixtureBytes()
        let noisy =
            Array(
                "mysqldump: [Warning] Using a password on the command line interface can be insecure.\nWarning: A partial dump from a server that has GTIDs will by default include the GTIDs of all transactions.\n"
                    .utf8) + bytes
        let (logger, log) = Logger.capturing()
        let clean = try Self.read(bytes)
        let read = try Self.read(noisy, logger: logger)
        #expect(read.end == .complete)
        for (table, rows) in clean.rows {
            #expect(BackstopExtractTests.bytes(of: read.rows[table] ?? []) == BackstopExtractTests.bytes(of: rows))
        }
        let stray = log.warnings.filter { $0.message.description.contains("stray") }
        #expect(stray.map { $0.metadata["dump.line"] } == ["1", "2"])
    }

    @Test func utf16IsRejectedNamingTheEncoding() throws {
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "-- MySQL dump\nINSERT INTO `t` VALUES (1);\n".utf16 {
            utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        do {
            _ = try Self.read(utf16)
            Issue.record("expected an encoding error")
        } catch {
            #expect(error.code == .charset)
            #expect(error.offset == 0 && error.line == 1)
        }
        do {
            _ = try Self.read(Array(utf16.dropFirst(2)))
            Issue.record("expected an encoding error")
        } catch {
            #expect(error.code == .charset)
        }
    }

    @Test func literalFormsDecode() throws {
        let text = """
            CREATE TABLE `t` (`A` int, `B` varbinary(4), `C` bit(8), `D` varchar(30), `E` blob, `F` varchar(9), `G` date);
            INSERT INTO `t` (`A`, `B`, `C`, `D`, `E`, `F`, `G`) VALUES (-1e300, 0xdeadBEEF, b'101', _binary 'x\\0y', X'00ff', 'It''s\\%', '0000-00-00'),( 18446744073709551615 , _utf8mb4'ü' , NULL, "dq \\"x\\" 'y'", '', \\N, '2024-00-15');
            DELIMITER ;;
            CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = ';'; END;;
            DELIMITER ;
            INSERT IGNORE INTO `t` VALUES (1, '', '', '', '', '', NULL);
            REPLACE INTO t VALUES (2, '', '', '', '', '', NULL);
            -- Finished: 2024-01-01
            """
        let (rows, end) = try Self.read(Array(text.utf8))
        #expect(end == .complete)
        let t = try #require(rows["t"])
        #expect(t.count == 4)
        #expect(
            t[0].values == [
                .number(Array("-1e300".utf8)), .bytes([0xDE, 0xAD, 0xBE, 0xEF]), .bytes([0x05]),
                .bytes([0x78, 0x00, 0x79]),
                .bytes([0x00, 0xFF]), .string(Array("It's\\%".utf8)), .null,
            ])
        #expect(
            t[1].values == [
                .number(Array("18446744073709551615".utf8)), .string(Array("ü".utf8)), .null,
                .string(Array("dq \"x\" 'y'".utf8)),
                .string([]), .null, .string(Array("2024-00-15".utf8)),
            ])
        #expect(t[3]["A"]?.int64 == 2)
    }
}

/// Namespaced helper (the test-local `bytes` name is shadowed inside closures above).
enum BackstopExtractTests {
    static func bytes(of rows: [DumpRow]) -> [[[UInt8]?]] { rows.map { $0.values.map(\.rawBytes) } }
}
