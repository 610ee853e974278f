/// Phone numbers in the catalog's canonical form `+7XXXXXXXXXX`: both sides' phones are normalised this
/// way before comparison, so `8 (701) 123-45-67` in Bitrix and `+77011234567` in the catalog are equal.
///
/// ```swift
/// PhoneNumber.normalize("8 (701) 123-45-67")   // "+77011234567"
/// PhoneNumber.normalize("701 123 4567")        // "+77011234567"
/// PhoneNumber.normalize("+49 30 1234567")      // nil: not a +7 number
/// ```
public enum PhoneNumber {
    /// Normalises a phone number the way upstream `utils.normalize_phone_number` does: keep the digits;
    /// 11 digits starting with 8 become 7…; 10 digits get a leading 7; the result must be 11 digits
    /// starting with 7. Anything else is rejected.
    ///
    /// - Parameter raw: the phone as stored (`8 (701) 123-45-67`, `+7 701 1234567`, `7011234567`).
    /// - Returns: `+7XXXXXXXXXX`, or `nil` when the number cannot be normalised (including empty input).
    public static func normalize(_ raw: String) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(12)
        for byte in raw.utf8 where byte &- UInt8(ascii: "0") < 10 {
            digits.append(byte)
            // More digits than any valid number can have: stop early on garbage.
            if digits.count > 11 { return nil }
        }
        if digits.count == 11, digits[0] == UInt8(ascii: "8") { digits[0] = UInt8(ascii: "7") }
        if digits.count == 10 { digits.insert(UInt8(ascii: "7"), at: 0) }
        guard digits.count == 11, digits[0] == UInt8(ascii: "7") else { return nil }
        return "+" + String(decoding: digits, as: UTF8.self)
    }
}
