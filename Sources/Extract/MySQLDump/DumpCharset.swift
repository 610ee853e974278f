/// The connection charset of a dump (`SET NAMES`), which decides what the bytes of text literals mean.
///
/// Old Bitrix sites run in `cp1251`; a dump of one, read as UTF-8, would turn every Russian product name
/// into invalid bytes. Supported charsets are transcoded once per text value at read time, so everything
/// after the reader sees UTF-8; any other charset is refused when its `SET NAMES` is read.
enum DumpCharset: Sendable, Equatable {
    /// utf8, utf8mb3, utf8mb4, ascii: bytes are already UTF-8.
    case utf8
    /// `SET NAMES binary` (mydumper): bytes are as stored; the table's own charset decides.
    case binary
    /// Windows-1251 (legacy Russian Bitrix sites): transcoded to UTF-8.
    case cp1251
    /// MySQL `latin1`, which is Windows-1252: transcoded to UTF-8.
    case latin1

    /// The charset for a MySQL charset name (case-insensitive; `utf8mb4`, `cp1251`, `latin1`, …), or
    /// `nil` when unsupported.
    init?(mysqlName: String) {
        switch mysqlName.lowercased() {
        case "utf8", "utf8mb3", "utf8mb4", "ascii", "us-ascii": self = .utf8
        case "binary": self = .binary
        case "cp1251", "windows-1251": self = .cp1251
        case "latin1", "cp1252": self = .latin1
        default: return nil
        }
    }

    /// Whether text must be transcoded.
    var needsTranscoding: Bool { self == .cp1251 || self == .latin1 }

    /// `bytes` in this charset, as UTF-8: `[0xD0, 0xEE, 0xE7, 0xE0]` in cp1251 is `Роза`. ASCII bytes
    /// pass through; every high byte becomes a 2- or 3-byte sequence (both tables cover all 128 high bytes,
    /// so nothing is lost or replaced).
    /// - Parameter bytes: Text in this charset (``utf8`` and ``binary`` are never transcoded; callers
    ///   check ``needsTranscoding``).
    /// - Returns: The same text in UTF-8.
    func transcode(_ bytes: [UInt8]) -> [UInt8] {
        let table = self == .cp1251 ? cp1251High : cp1252High
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            if b < 0x80 { out.append(b); continue }
            let scalar = table[Int(b) - 0x80]
            if scalar < 0x800 {
                out.append(0xC0 | UInt8(scalar >> 6))
                out.append(0x80 | UInt8(scalar & 0x3F))
            } else {
                out.append(0xE0 | UInt8(scalar >> 12))
                out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
                out.append(0x80 | UInt8(scalar & 0x3F))
            }
        }
        return out
    }
}

/// Windows-1251 0x80…0xFF (0x98, unassigned, maps to U+0098 as in MySQL's table).
private let cp1251High: [UInt16] =
    [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C,
        0x040B, 0x040F,
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x0098, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C,
        0x045B, 0x045F,
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD,
        0x00AE, 0x0407,
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405,
        0x0455, 0x0457,
    ] + (0x0410...0x044F).map { UInt16($0) }

/// Windows-1252 0x80…0xFF (MySQL's latin1; its five unassigned bytes map to the same C1 code points).
private let cp1252High: [UInt16] =
    [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D,
        0x017E, 0x0178,
    ] + (0xA0...0xFF).map { UInt16($0) }

/// Whether `bytes` is well-formed UTF-8 (ASCII runs are checked eight bytes at a time).
///
/// Well-formed per Unicode's table 3-7: no overlong forms (`C0`, `C1`, `E0 80…9F`, `F0 80…8F`), no
/// surrogates (`ED A0…BF`), nothing above U+10FFFF, no truncated sequence at the end.
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let p = bytes.baseAddress else { return true }
    let n = bytes.count
    var i = 0
    while i < n {
        // Safe because: the 8-byte load reads [i, i + 8) and requires i + 8 <= n.
        if unsafe i &+ 8 <= n && UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i &+= 8
            continue
        }
        let b = unsafe p[i]
        if b < 0x80 { i &+= 1; continue }
        let need: Int
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return false
        }
        guard i &+ need < n else { return false }
        let c1 = unsafe p[i &+ 1]
        guard c1 >= lo && c1 <= hi else { return false }
        var k = 2
        while k <= need {
            guard unsafe p[i &+ k] & 0xC0 == 0x80 else { return false }
            k &+= 1
        }
        i &+= need &+ 1
    }
    return true
}

/// Whether `bytes` is well-formed UTF-8.
func isValidUTF8(_ bytes: [UInt8]) -> Bool { unsafe bytes.withUnsafeBufferPointer { unsafe isValidUTF8($0) } }
