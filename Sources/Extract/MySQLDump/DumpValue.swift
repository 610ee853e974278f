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

    /// The value as text (invalid UTF-8 repaired with U+FFFD), or `nil` for NULL. Use ``rawBytes`` where
    /// the exact bytes matter (blobs, values whose charset is in doubt).
    public var text: String? { rawBytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The value as a signed 64-bit integer, or `nil` for NULL, non-integers and out-of-range values.
    /// Quoted integers (`'17008'`, as in property VALUE columns) are accepted too.
    public var int64: Int64? { unsafe rawBytes?.withUnsafeBufferPointer(DumpNumber.int64) ?? nil }

    /// A decimal literal as an exact integer scaled by 10^`scale` (`"4950.50"` at scale 2 → 495050).
    /// Returns `nil` for NULL, malformed text, more fraction digits than `scale` that are not zeros, or
    /// overflow. Never goes through `Double`.
    ///
    /// ```swift
    /// DumpValue.number(Array("4950.5000".utf8)).scaledDecimal(scale: 2)   // 495050 (DECIMAL(18,4) price)
    /// DumpValue.number(Array("2.0001".utf8)).scaledDecimal(scale: 2)      // nil: a digit would be lost
    /// DumpValue.string(Array("3".utf8)).scaledDecimal(scale: 4)           // 30000 (quantity in 1/10000)
    /// ```
    /// - Parameter scale: Fraction digits to keep (2 for kopecks, 4 for Bitrix quantities).
    /// - Returns: The scaled integer.
    public func scaledDecimal(scale: Int) -> Int64? {
        unsafe rawBytes?.withUnsafeBufferPointer { unsafe DumpNumber.scaledDecimal($0, scale: scale) } ?? nil
    }
}
