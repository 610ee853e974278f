import Testing

@testable import BackstopExtract

/// The binary COPY decoder on hand-built streams, split into messages at every possible point.
struct CatalogBinaryCopyTests {
    static func be16(_ v: Int16) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
    static func be32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
    static func be64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }

    static let header: [UInt8] = BinaryCopyReader.signature + be32(0) + be32(0)

    /// Tuple (int8 id, text name or NULL, bool flag, timestamp µs).
    static func tuple(_ id: Int64, _ name: String?, _ flag: Bool, _ micros: Int64) -> [UInt8] {
        var out = be16(4) + be32(8) + be64(id)
        if let name { out += be32(Int32(name.utf8.count)) + Array(name.utf8) } else { out += be32(-1) }
        out += be32(1) + [flag ? 1 : 0] + be32(8) + be64(micros)
        return out
    }

    static let trailer = be16(-1)

    struct Row: Equatable {
        var id: Int64
        var name: String?
        var flag: Bool
        var time: String
    }

    static func read(_ messages: [[UInt8]]) throws -> [Row] {
        var queue = messages[...]
        let reader = BinaryCopyReader(source: "t", fieldCount: 4) { queue.popFirst() }
        var rows: [Row] = []
        while let r = try reader.nextRow() {
            rows.append(
                Row(
                    id: try r.required(0, r.int64), name: r.string(1), flag: try r.required(2, r.bool),
                    time: CatalogTimestamp.text(micros: try r.required(3, r.timestampMicros))))
        }
        return rows
    }

    static let expected = [
        Row(id: 1, name: "Розы 🌹", flag: true, time: "2000-01-01 00:00:00"),
        Row(id: -7, name: nil, flag: false, time: "1999-12-31 23:59:59"),
        Row(id: 698868, name: "", flag: true, time: "2025-04-24 17:01:07"),
    ]

    static var tuples: [[UInt8]] {
        [
            tuple(1, "Розы 🌹", true, 0),
            tuple(-7, nil, false, -1),
            tuple(698868, "", true, 798_829_267_000_000),
        ]
    }

    @Test func oneTuplePerMessageWithHeaderInFront() throws {
        var messages = Self.tuples
        messages[0] = Self.header + messages[0]
        messages.append(Self.trailer)
        #expect(try Self.read(messages) == Self.expected)
    }

    @Test func headerAloneThenTuples() throws {
        #expect(try Self.read([Self.header] + Self.tuples + [Self.trailer]) == Self.expected)
    }

    @Test func wholeStreamSplitAtEveryOffset() throws {
        let stream = Self.header + Self.tuples.flatMap { $0 } + Self.trailer
        #expect(try Self.read([stream]) == Self.expected)
        for cut in 1..<stream.count {
            let rows = try Self.read([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(rows == Self.expected, "split at \(cut)")
        }
    }

    @Test func truncatedStreamFails() throws {
        let stream = Self.header + Self.tuples.flatMap { $0 }
        #expect(throws: ExtractError.self) { try Self.read([stream]) }
        #expect(throws: ExtractError.self) { try Self.read([Array(stream.dropLast(3))]) }
    }

    @Test func wrongFieldCountAndBadSignatureFail() throws {
        var wrong = Self.header + Self.be16(3)
        wrong += Self.trailer
        #expect(throws: ExtractError.self) { try Self.read([wrong]) }
        var bad = Self.header
        bad[0] = UInt8(ascii: "X")
        #expect(throws: ExtractError.self) { try Self.read([bad + Self.trailer]) }
    }

    @Test func timestampText() {
        #expect(CatalogTimestamp.text(micros: 0) == "2000-01-01 00:00:00")
        #expect(CatalogTimestamp.text(micros: -1) == "1999-12-31 23:59:59")
        // 2024-02-29 12:34:56 (leap day) = 8825 days + 45296 s after 2000-01-01.
        #expect(CatalogTimestamp.text(micros: (8825 * 86_400 + 45_296) * 1_000_000 + 999_999) == "2024-02-29 12:34:56")
        #expect(CatalogTimestamp.text(micros: .max) == "infinity")
    }

    @Test(
        arguments: [
            ("[1,2,3]", [Float(1), 2, 3]),
            (" [ 0.5 , -1.25,3e-05 ] ", [0.5, -1.25, 3e-5]),
            ("[]", []),
        ] as [(String, [Float])])
    func vectorTextParses(_ text: String, _ expected: [Float]) {
        #expect(VectorText.parse(text) == expected)
    }

    @Test(arguments: ["", "1,2", "[1,,2]", "[1,2", "[1,2]x", "[,]", "[nan]", "[inf]", "[1,]", "{1,2}", "[0x1p3]"])
    func vectorTextRejects(_ text: String) {
        #expect(VectorText.parse(text) == nil)
    }
}
