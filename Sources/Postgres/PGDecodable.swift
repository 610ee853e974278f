public import Foundation

/// A Swift value that a result cell decodes into, from PostgreSQL's text format and the column's type.
///
/// ```swift
/// let row = try connection.execute("SELECT id, created_at, enabled FROM product WHERE id = \(id)")
/// let (id, created, enabled) = try row.decode((Int64, Date, Bool?).self, row: 0)
/// ```
public protocol PGDecodable {
    /// The value of a cell whose text is `text` (`nil` for NULL) in a column of type `type`; `nil` when
    /// the cell holds no value of this type (NULL, for a type that is not optional).
    static func pgDecode(text: String?, type: PGType) -> Self?
    /// What this type is called in error messages (`an integer`).
    static var pgExpectation: String { get }
}

/// A PostgreSQL type OID (`pg_type.oid`), with the built-in types Backstop decodes.
public struct PGType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The OID.
    public var rawValue: UInt32
    /// Wraps an OID.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `bool`.
    public static let bool = PGType(rawValue: 16)
    /// `bytea`.
    public static let bytea = PGType(rawValue: 17)
    /// `int8`.
    public static let int8 = PGType(rawValue: 20)
    /// `int2`.
    public static let int2 = PGType(rawValue: 21)
    /// `int4`.
    public static let int4 = PGType(rawValue: 23)
    /// `text`.
    public static let text = PGType(rawValue: 25)
    /// `oid`.
    public static let oid = PGType(rawValue: 26)
    /// `float4`.
    public static let float4 = PGType(rawValue: 700)
    /// `float8`.
    public static let float8 = PGType(rawValue: 701)
    /// `date`.
    public static let date = PGType(rawValue: 1082)
    /// `timestamp` (without time zone).
    public static let timestamp = PGType(rawValue: 1114)
    /// `timestamptz`.
    public static let timestamptz = PGType(rawValue: 1184)
    /// `numeric`.
    public static let numeric = PGType(rawValue: 1700)

    /// The type's name for the built-in types above, else `oid N`.
    public var description: String {
        let names: [UInt32: String] = [
            16: "bool", 17: "bytea", 20: "int8", 21: "int2", 23: "int4", 25: "text", 26: "oid", 700: "float4",
            701: "float8", 1082: "date", 1114: "timestamp", 1184: "timestamptz", 1700: "numeric",
        ]
        return names[rawValue] ?? "oid \(rawValue)"
    }

    /// The integer types.
    static let integers: Set<PGType> = [.int2, .int4, .int8, .oid]
}

extension String: PGDecodable {
    /// Any column, as the server prints it.
    public static func pgDecode(text: String?, type: PGType) -> String? { text }
    /// `text`.
    public static var pgExpectation: String { "text" }
}

extension Int64: PGDecodable {
    /// An `int2`, `int4`, `int8` or `oid` column.
    public static func pgDecode(text: String?, type: PGType) -> Int64? {
        guard PGType.integers.contains(type), let text else { return nil }
        return Int64(text)
    }
    /// `an integer`.
    public static var pgExpectation: String { "an integer" }
}

extension Int: PGDecodable {
    /// An `int2`, `int4`, `int8` or `oid` column.
    public static func pgDecode(text: String?, type: PGType) -> Int? {
        Int64.pgDecode(text: text, type: type).flatMap { Int(exactly: $0) }
    }
    /// `an integer`.
    public static var pgExpectation: String { "an integer" }
}

extension Int32: PGDecodable {
    /// An `int2`, `int4`, `int8` or `oid` column whose value fits.
    public static func pgDecode(text: String?, type: PGType) -> Int32? {
        Int64.pgDecode(text: text, type: type).flatMap { Int32(exactly: $0) }
    }
    /// `a 32-bit integer`.
    public static var pgExpectation: String { "a 32-bit integer" }
}

extension Double: PGDecodable {
    /// A `float4`, `float8`, `numeric` or integer column (`NaN`, `Infinity` included).
    public static func pgDecode(text: String?, type: PGType) -> Double? {
        guard type == .float4 || type == .float8 || type == .numeric || PGType.integers.contains(type), let text else {
            return nil
        }
        switch text {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }
    /// `a number`.
    public static var pgExpectation: String { "a number" }
}

extension Bool: PGDecodable {
    /// A `bool` column (`t` / `f`).
    public static func pgDecode(text: String?, type: PGType) -> Bool? {
        guard type == .bool else { return nil }
        switch text {
        case "t": return true
        case "f": return false
        default: return nil
        }
    }
    /// `a boolean`.
    public static var pgExpectation: String { "a boolean" }
}

extension Date: PGDecodable {
    /// A `timestamptz` (its offset applied), `timestamp` (taken as UTC) or `date` (midnight UTC) column in
    /// the ISO style every Backstop connection sets; `infinity` and `-infinity` are the distant future and
    /// past. Years BC are not decoded.
    public static func pgDecode(text: String?, type: PGType) -> Date? {
        guard type == .timestamptz || type == .timestamp || type == .date, let text else { return nil }
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: return PGTimestampText.parse(Array(text.utf8)).map { Date(timeIntervalSince1970: $0) }
        }
    }
    /// `a timestamp`.
    public static var pgExpectation: String { "a timestamp" }
}

extension Optional: PGDecodable where Wrapped: PGDecodable {
    /// NULL is `nil`; anything else decodes as `Wrapped`.
    public static func pgDecode(text: String?, type: PGType) -> Wrapped?? {
        guard let text else { return .some(nil) }
        return Wrapped.pgDecode(text: text, type: type).map { .some($0) }
    }
    /// `Wrapped`'s, or NULL.
    public static var pgExpectation: String { Wrapped.pgExpectation + " or NULL" }
}

/// PostgreSQL's ISO output of `date`, `timestamp` and `timestamptz`.
enum PGTimestampText {
    /// Seconds since 1970 of `YYYY-MM-DD[ HH:MM:SS[.ffffff]][+HH[:MM[:SS]]]` (no offset: UTC).
    static func parse(_ b: [UInt8]) -> Double? {
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var value = 0
            for k in i..<(i + digits) {
                guard b[k] &- 0x30 < 10 else { return nil }
                value = value * 10 + Int(b[k] &- 0x30)
            }
            i += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard i < b.count, b[i] == byte else { return false }
            i += 1
            return true
        }
        var yearDigits = 0
        while i + yearDigits < b.count, b[i + yearDigits] &- 0x30 < 10 { yearDigits += 1 }
        guard yearDigits >= 4, let year = number(yearDigits), expect(0x2D), let month = number(2), expect(0x2D),
            let day = number(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year, month, day) * 86_400)
        if i == b.count { return seconds }
        guard expect(0x20), let hour = number(2), expect(0x3A), let minute = number(2), expect(0x3A),
            let second = number(2), hour < 24 || (hour == 24 && minute == 0 && second == 0), minute < 60, second < 61
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if expect(0x2E) {
            var scale = 0.1
            let start = i
            while i < b.count, b[i] &- 0x30 < 10 {
                seconds += Double(b[i] &- 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        if i == b.count { return seconds }
        guard b[i] == 0x2B || b[i] == 0x2D else { return nil }
        let sign = b[i] == 0x2D ? -1 : 1
        i += 1
        guard let offsetHours = number(2) else { return nil }
        var offset = offsetHours * 3600
        if expect(0x3A) {
            guard let offsetMinutes = number(2) else { return nil }
            offset += offsetMinutes * 60
            if expect(0x3A) {
                guard let offsetSeconds = number(2) else { return nil }
                offset += offsetSeconds
            }
        }
        guard i == b.count else { return nil }
        return seconds - Double(sign * offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
