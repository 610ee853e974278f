/// Wall-clock text (`YYYY-MM-DD HH:MM:SS`, what the dump and the catalog reader give) held in 9 bytes
/// instead of a 19-byte heap string: the 14 digits as one number. Any other text (another shape, a
/// year of five digits, `infinity`) is held as it is, so ``text`` always gives back exactly what was
/// stored.
///
/// A million-product catalog holds two such times per product on each side; as strings they took a
/// heap allocation each (64 bytes with its header), ~0.24 GiB at the `l` world.
///
/// Equality and order are those of the texts: two values are equal when their texts are, and `<`
/// orders them as `String`'s `<` orders the texts.
///
/// ```swift
/// let t = PackedWallClock("2025-10-25 14:03:09")
/// t.text                                         // "2025-10-25 14:03:09"
/// t < PackedWallClock("2025-10-26 00:00:00")     // true
/// PackedWallClock("25.10.2025").text             // "25.10.2025" (held as text)
/// ```
public struct PackedWallClock: Sendable, Hashable, Comparable {
    /// How the text is held.
    @usableFromInline
    enum Storage: Sendable, Hashable {
        /// `YYYYMMDDhhmmss` of the text `YYYY-MM-DD hh:mm:ss`, as a decimal number.
        case digits(UInt64)
        /// Text of any other shape, as it is.
        case other(String)
    }

    /// The held value.
    @usableFromInline
    let storage: Storage

    /// Holds `text`: packed when it has the `YYYY-MM-DD HH:MM:SS` shape (ASCII digits and separators),
    /// as it is otherwise.
    /// - Parameter text: Wall-clock text, or any text.
    public init(_ text: String) {
        var text = text
        let packed = text.withUTF8 { unsafe Self.pack(UnsafeRawBufferPointer($0)) }
        storage = packed.map(Storage.digits) ?? .other(text)
    }

    /// Holds the text that `bytes` spell (UTF-8), packed when it has the wall-clock shape: no string is
    /// made for a well-formed time.
    /// - Parameter bytes: The text's UTF-8 bytes.
    public init(utf8 bytes: UnsafeRawBufferPointer) {
        if let packed = unsafe Self.pack(bytes) {
            storage = .digits(packed)
        } else {
            storage = .other(unsafe String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The time with these fields, each within its width (year 0…9999, the others 0…99): what the text
    /// `YYYY-MM-DD HH:MM:SS` of them would be, without making the text.
    /// - Returns: `nil` when a field does not fit its width.
    public init?(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day),
            (0...99).contains(hour), (0...99).contains(minute), (0...99).contains(second)
        else { return nil }
        var value = UInt64(year)
        for field in [month, day, hour, minute, second] { value = value * 100 + UInt64(field) }
        storage = .digits(value)
    }

    /// The text, exactly as it was given.
    public var text: String {
        switch storage {
        case .other(let text): return text
        case .digits(let value):
            return unsafe String(unsafeUninitializedCapacity: 19) { buffer in
                // Fixed positions: the separators, then the 14 digits from the last one back.
                var rest = value
                var index = 18
                while index >= 0 {
                    if index == 4 || index == 7 {
                        unsafe buffer[index] = UInt8(ascii: "-")
                    } else if index == 10 {
                        unsafe buffer[index] = UInt8(ascii: " ")
                    } else if index == 13 || index == 16 {
                        unsafe buffer[index] = UInt8(ascii: ":")
                    } else {
                        unsafe buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                        rest /= 10
                    }
                    index -= 1
                }
                return 19
            }
        }
    }

    /// Whether `lhs`'s text sorts before `rhs`'s (`String`'s order): two packed times compare as numbers,
    /// which orders them as their fixed-width texts.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        if case .digits(let l) = lhs.storage, case .digits(let r) = rhs.storage { return l < r }
        return lhs.text < rhs.text
    }

    /// `YYYY-MM-DD HH:MM:SS` as the number `YYYYMMDDhhmmss`; `nil` for any other bytes.
    @usableFromInline
    static func pack(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == 19 else { return nil }
        var value: UInt64 = 0
        for index in 0..<19 {
            let byte = unsafe bytes[index]
            switch index {
            case 4, 7: guard byte == UInt8(ascii: "-") else { return nil }
            case 10: guard byte == UInt8(ascii: " ") else { return nil }
            case 13, 16: guard byte == UInt8(ascii: ":") else { return nil }
            default:
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + UInt64(digit)
            }
        }
        return value
    }
}
