import Foundation

/// A JSON value decoded without losing number precision (numbers stay `Decimal`, whose text form is
/// exact for what JSON can write), so `4950.50` never passes through `Double`.
///
/// The product feed is loosely typed (an id may arrive as `698868` or `"698868"`, a price as a number or
/// as text), so the reader takes each field as a `JSONValue` and decides per field what it accepts.
enum JSONValue: Decodable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Any JSON number, exactly.
    case number(Decimal)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object (key order is not kept; the feed reader does not need it).
    case object([String: JSONValue])

    /// Decodes whichever JSON type is there: null, then bool, number, string, array, object.

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Decimal.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The value if it is a string.
    var string: String? { if case .string(let s) = self { s } else { nil } }

    /// An integer from a whole number or a string of digits (`"698868"`); `nil` for a fraction
    /// (`698868.5`), a number past 2^53 that `Double` cannot hold exactly, or any other type.
    var int64: Int64? {
        switch self {
        case .number(let n):
            return Int64(exactly: NSDecimalNumber(decimal: n).doubleValue).flatMap { Decimal($0) == n ? $0 : nil }
        case .string(let s): return DumpValue.string(Array(s.utf8)).int64
        default: return nil
        }
    }

    /// A short text form for problem reports.
    var rawText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.description
        case .string(let s): return s
        case .array(let a): return "[\(a.count) elements]"
        case .object(let o): return "{\(o.count) keys}"
        }
    }
}
