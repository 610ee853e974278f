/// An amount of money in kopecks (tiyn, 1/100 of the currency unit), the unit of every money column in
/// the upstream catalog. Exact: never a floating-point value.
///
/// The currency is not part of the value; it travels beside it (``CanonicalOrder/currency``). Codable as a
/// bare integer of kopecks, which is how plans and reports store it.
///
/// ```swift
/// Kopecks(tenge: 4950).value         // 495000
/// Kopecks(495_050).description       // "4950.50"
/// Kopecks(-5).description            // "-0.05"
/// ```
public struct Kopecks: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in 1/100 units.
    public var value: Int64

    /// Wraps an amount in kopecks.
    public init(_ value: Int64) { self.value = value }

    /// Converts a whole number of tenge (× 100; the caller keeps `tenge` within ±9.2 × 10¹⁶, or the
    /// multiplication traps).
    public init(tenge: Int64) { self.value = tenge * 100 }

    /// Decodes a plain integer.
    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes a plain integer (kopecks).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// Orders amounts.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    /// `4950.00` style text (two fraction digits, no grouping).
    public var description: String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
