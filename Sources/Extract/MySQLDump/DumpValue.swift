/// One literal of a dumped row, decoded from the dump's bytes.
///
/// This is the contract between the dump reader and everything that consumes rows (the Bitrix model,
/// `backstop extract`): the reader may store rows however it likes, but hands values out in this shape.
public enum DumpValue: Sendable, Hashable {
    /// SQL `NULL` (also `\N` in `--tab` files, and zero dates when the reader maps them to NULL).
    case null
    /// An unquoted number exactly as written: `-128`, `18446744073709551615`, `-0.50`, `1e300`, `2024`.
    case number([UInt8])
    /// A quoted string with every escape resolved: the raw bytes (UTF-8 for text after any charset
    /// transcoding; arbitrary bytes for blobs).
    case string([UInt8])
    /// A byte literal: `0xDEADBEEF` (`--hex-blob`), `b'0101'`, or MySQL 8's `_binary '…'`.
    case bytes([UInt8])
}

extension DumpValue {
    /// Whether the value is SQL NULL.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The raw bytes of a non-NULL value (number text, string bytes or byte-literal bytes).
    public var rawBytes: [UInt8]? {
        switch self {
        case .null: return nil
        case .number(let b), .string(let b), .bytes(let b): return b
        }
    }

    /// The value as text (invalid UTF-8 repaired with U+FFFD), or `nil` for NULL.
    public var text: String? { rawBytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The value as a signed 64-bit integer, or `nil` for NULL, non-integers and out-of-range values.
    /// Quoted integers (`'17008'`, as in property VALUE columns) are accepted too.
    public var int64: Int64? {
        guard let bytes = rawBytes, !bytes.isEmpty else { return nil }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(digit)) : m.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = s
            index += 1
        }
        return value
    }

    /// A decimal literal as an exact integer scaled by 10^`scale` (`"4950.50"` at scale 2 → 495050).
    /// Returns `nil` for NULL, malformed text, more fraction digits than `scale` that are not zeros, or
    /// overflow. Never goes through `Double`.
    public func scaledDecimal(scale: Int) -> Int64? {
        guard let bytes = rawBytes, !bytes.isEmpty else { return nil }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        var value: Int64 = 0
        var digits = 0
        var fraction = -1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard fraction < 0 else { return nil }
                fraction = 0
                index += 1
                continue
            }
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            if fraction >= 0 {
                if fraction >= scale {
                    guard digit == 0 else { return nil }
                    index += 1
                    continue
                }
                fraction += 1
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = s
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        var missing = scale - max(fraction, 0)
        while missing > 0 {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = m
            missing -= 1
        }
        return negative ? -value : value
    }
}
