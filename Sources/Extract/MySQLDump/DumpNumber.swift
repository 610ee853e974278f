/// Exact number parsing straight from a value's bytes (no `DumpValue`, no copy): the one implementation
/// behind ``DumpValue/int64`` and ``DumpValue/scaledDecimal(scale:)`` and the Bitrix model's hot paths.
enum DumpNumber {
    /// A signed 64-bit integer (optionally quoted digits with a sign), or `nil`.
    ///
    /// Negative values accumulate downwards, so `-9223372036854775808` (Int64.min) parses; one more
    /// digit in either direction is `nil`, never a wrapped value. No spaces, no fraction, no exponent.
    @inline(__always)
    static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var index = 0
        var negative = false
        if unsafe bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = unsafe bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = unsafe bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) =
                negative ? m.subtractingReportingOverflow(Int64(digit)) : m.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = s
            index += 1
        }
        return value
    }

    /// A decimal scaled by 10^`scale`, exact, or `nil` (see ``DumpValue/scaledDecimal(scale:)``).
    ///
    /// Accepts an optional sign, digits and at most one `.`; `"5."` and `".5"` are fine, `"."`, `"1e3"` and
    /// `"1,5"` are not. Extra fraction digits must be zeros: a value is never rounded.
    /// - Parameters:
    ///   - bytes: The literal's text.
    ///   - scale: Fraction digits to keep.
    /// - Returns: The value × 10^`scale`, `nil` when malformed or out of range.
    static func scaledDecimal(_ bytes: UnsafeBufferPointer<UInt8>, scale: Int) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var index = 0
        var negative = false
        if unsafe bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = unsafe bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        var value: Int64 = 0
        var digits = 0
        var fraction = -1
        while index < bytes.count {
            let byte = unsafe bytes[index]
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
