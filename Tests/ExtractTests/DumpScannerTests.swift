import BackstopModel
@testable import BackstopExtract
import Logging
import Testing

/// The vectorised scanners (SIMD byte search, the 64-byte quote/escape block scanner behind statement
/// skipping) against the byte-at-a-time state machine, at every chunk split and block alignment.
struct DumpScannerTests {
    typealias SplitMix = SplitMix64

    /// Statement-ish bytes dense in quotes, backslash runs, comments and delimiters.
    static func randomStatement(_ rng: inout SplitMix, length: Int) throws -> [UInt8] {
        let pieces: [String] = [
            "'", "'", "''", "\\", "\\\\", "\\'", "\\\\'", "\\\\\\'", "\"", "`", ";", "-- ", "--", "-", "/*", "*/",
            "/*!", "#",
            "\n", "(", ")", ",", "NULL", "é",
        ]
        var out: [UInt8] = []
        while out.count < length {
            if Int.random(in: 0..<3, using: &rng) == 0 {
                out += try #require(pieces.randomElement(using: &rng)).utf8
            } else {
                out += [UInt8](repeating: 0x61, count: Int.random(in: 0...70, using: &rng))
            }
        }
        return out
    }

    /// Runs the scan from 0 as a reader would: the input arrives in two parts split at `split`.
    static func scan(_ bytes: [UInt8], split: Int?, blocks: Bool, row: Bool = false, delimiter: [UInt8] = [0x3B])
        throws -> (found: Bool, end: Int, mode: ScanState.Mode)
    {
        let code = CodeBytes(delimiter: delimiter)
        return try bytes.withUnsafeBufferPointer { buf in
            let base = try #require(buf.baseAddress)
            var state = ScanState()
            var i = 0
            if let split {
                let found = scanToEnd(
                    base, &i, split, &state, delimiter: delimiter, code: code, row: row, eof: false, blocks: blocks)
                if found { return (true, i, state.mode) }
                #expect(i <= split)
            }
            let found = scanToEnd(
                base, &i, buf.count, &state, delimiter: delimiter, code: code, row: row, eof: true, blocks: blocks)
            return (found, i, state.mode)
        }
    }

    @Test func blockScannerMatchesByteScannerOnRandomStatements() throws {
        var rng = SplitMix(seed: 0x5EED)
        for round in 0..<3000 {
            let bytes = try Self.randomStatement(&rng, length: Int.random(in: 0...400, using: &rng))
            let reference = try Self.scan(bytes, split: nil, blocks: false)
            let fast = try Self.scan(bytes, split: nil, blocks: true)
            #expect(
                fast.found == reference.found && fast.end == reference.end && fast.mode == reference.mode,
                "round \(round)")
            if fast.end != reference.end { return }
        }
    }

    @Test func blockScannerMatchesAtEveryChunkSplit() throws {
        var rng = SplitMix(seed: 42)
        for round in 0..<60 {
            let bytes = try Self.randomStatement(&rng, length: Int.random(in: 64...300, using: &rng))
            let reference = try Self.scan(bytes, split: nil, blocks: false)
            for split in 0...bytes.count {
                for blocks in [false, true] {
                    let r = try Self.scan(bytes, split: split, blocks: blocks)
                    #expect(
                        r.found == reference.found && r.end == reference.end,
                        "round \(round) split \(split) blocks \(blocks)")
                    if r.end != reference.end { return }
                }
            }
        }
    }

    /// A backslash run (1–4 long) or a doubled quote placed at every offset around the 64- and
    /// 128-byte block boundaries, inside a string that is then closed and followed by the delimiter.
    @Test func escapesAtBlockBoundaries() throws {
        let tails: [String] = ["\\'", "\\\\'", "\\\\\\'", "\\\\\\\\'", "''", "'", "\\;"]
        for prefix in 0..<140 {
            for tail in tails {
                for lead in ["", "x", "(1,"] {
                    let text = lead + "'" + String(repeating: "a", count: prefix) + tail + "b';" + "c';'d;"
                    let bytes = Array(text.utf8)
                    let reference = try Self.scan(bytes, split: nil, blocks: false)
                    let fast = try Self.scan(bytes, split: nil, blocks: true)
                    #expect(
                        fast.found == reference.found && fast.end == reference.end,
                        "prefix \(prefix) tail \(tail) lead \(lead)")
                    for split in stride(from: max(0, prefix - 3), through: min(bytes.count, prefix + 6), by: 1) {
                        let r = try Self.scan(bytes, split: split, blocks: true)
                        #expect(
                            r.found == reference.found && r.end == reference.end,
                            "prefix \(prefix) tail \(tail) split \(split)")
                    }
                }
            }
        }
    }

    @Test func multiByteDelimiterAndRowMode() throws {
        var rng = SplitMix(seed: 7)
        for _ in 0..<500 {
            let bytes = try Self.randomStatement(&rng, length: Int.random(in: 0...300, using: &rng)) + Array("$$".utf8)
            let reference = try Self.scan(bytes, split: nil, blocks: false, delimiter: [0x24, 0x24])
            let fast = try Self.scan(bytes, split: nil, blocks: true, delimiter: [0x24, 0x24])
            #expect(fast.found == reference.found && fast.end == reference.end)
            let rowRef = try Self.scan(bytes, split: nil, blocks: false, row: true)
            let rowFast = try Self.scan(bytes, split: bytes.count / 2, blocks: true, row: true)
            #expect(rowFast.found == rowRef.found && rowFast.end == rowRef.end)
        }
    }

    @Test func byteSearchesMatchNaiveLoops() throws {
        var rng = SplitMix(seed: 99)
        let set = CodeBytes(delimiter: [0x3B]).statement
        for _ in 0..<400 {
            let bytes = try Self.randomStatement(&rng, length: Int.random(in: 0...200, using: &rng))
            bytes.withUnsafeBufferPointer { buf in
                let base = buf.baseAddress ?? UnsafePointer(bitPattern: 1)!
                for from in stride(from: 0, through: bytes.count, by: 7) {
                    let quote = bytes[from...].firstIndex { $0 == 0x27 || $0 == 0x5C } ?? bytes.count
                    #expect(findQuoteOrBackslash(base, from, bytes.count, 0x27) == quote)
                    let special = bytes[from...].firstIndex { Array("'\"`#-/;".utf8).contains($0) } ?? bytes.count
                    #expect(findAny(base, from, bytes.count, set) == special)
                }
            }
        }
    }

    /// Quoted values whose escapes fall at every offset of a SIMD block decode exactly, read whole
    /// and in small chunks.
    @Test func quotedValuesWithEscapesAtEveryOffset() throws {
        var rows: [String] = []
        var expected: [[UInt8]] = []
        for offset in 0..<80 {
            for escape in ["\\'", "\\\\", "\\n", "''", "\\0"] {
                let body = String(repeating: "ж", count: offset / 2) + String(repeating: "a", count: offset % 2)
                rows.append("(\(rows.count),'\(body)\(escape)z')")
                let decoded: String
                switch escape {
                case "\\'", "''": decoded = "'"
                case "\\\\": decoded = "\\"
                case "\\n": decoded = "\n"
                default: decoded = "\u{0}"
                }
                expected.append(Array((body + decoded + "z").utf8))
            }
        }
        let dump =
            "CREATE TABLE `t` (`id` int, `s` text);\nINSERT INTO `t` VALUES " + rows.joined(separator: ",") + ";\n"
        for maxRead in [Int.max, 1, 3, 61, 64, 65] {
            let reader = DumpReader(
                source: MemoryByteSource(Array(dump.utf8), maxRead: maxRead),
                options: .init(requireFooter: false), logger: .init(label: "t"), readSize: 64)
            var got: [[UInt8]] = []
            while let event = try reader.next() {
                if case .row(let row) = event { got.append(row["s"]?.rawBytes ?? []) }
            }
            #expect(got == expected, "maxRead \(maxRead)")
        }
    }

    /// Long strings dense in escapes and doubled quotes (the block cursor of the escape decoder) decode
    /// like a byte-at-a-time reference, read whole and in 7-byte chunks.
    @Test func longEscapedStringsMatchAReferenceDecoder() throws {
        var rng = SplitMix(seed: 2024)
        let pieces = ["\\'", "\\\\", "\\n", "\\0", "''", "\\\"", "\\Z", "\\%", "ж", "\""]
        var rows: [String] = []
        var expected: [[UInt8]] = []
        for n in 0..<200 {
            var literal = ""
            while literal.utf8.count < Int.random(in: 0...600, using: &rng) {
                if Bool.random(using: &rng) {
                    literal += pieces.randomElement(using: &rng)!
                } else {
                    literal += String(repeating: "a", count: Int.random(in: 0...90, using: &rng))
                }
            }
            rows.append("(\(n),'\(literal)')")
            // Reference: MySQL's escapes, byte by byte.
            var out: [UInt8] = []
            let bytes = Array(literal.utf8)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x5C {
                    let next = bytes[i + 1]
                    switch next {
                    case 0x30: out.append(0)
                    case 0x6E: out.append(0x0A)
                    case 0x5A: out.append(0x1A)
                    case 0x25: out += [0x5C, 0x25]
                    default: out.append(next)
                    }
                    i += 2
                } else if b == 0x27 {
                    out.append(0x27)
                    i += 2
                } else {
                    out.append(b)
                    i += 1
                }
            }
            expected.append(out)
        }
        let dump =
            "CREATE TABLE `t` (`id` int, `s` text);\nINSERT INTO `t` VALUES " + rows.joined(separator: ",\n") + ";\n"
        for maxRead in [Int.max, 7] {
            let reader = DumpReader(
                source: MemoryByteSource(Array(dump.utf8), maxRead: maxRead),
                options: .init(requireFooter: false), logger: .init(label: "t"), readSize: 256)
            var got: [[UInt8]] = []
            while let event = try reader.next() {
                if case .row(let row) = event { got.append(row["s"]?.rawBytes ?? []) }
            }
            #expect(got == expected, "maxRead \(maxRead)")
        }
    }
}
