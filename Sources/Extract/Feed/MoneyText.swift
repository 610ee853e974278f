public import BackstopModel

/// Why a price or dimension text could not be parsed. Raw values travel separately (``ParseProblem``).
public enum ValueTextFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing left after removing spaces, prefixes and units.
    case empty
    /// A range such as `70-80 см` or `от 4 950 до 6 000 ₸`: no single value.
    case range
    /// Characters that are not part of a number.
    case notANumber
    /// More fraction digits than the unit allows (`4950.505` tenge), other than trailing zeros.
    case tooManyFractionDigits
    /// Thousands separators in the wrong places (`49,50,0`).
    case badGrouping
    /// A negative amount.
    case negative
    /// Does not fit in 64 bits.
    case overflow

    /// A few words for reports.
    public var description: String {
        switch self {
        case .empty: "empty"
        case .range: "a range, not a single value"
        case .notANumber: "not a number"
        case .tooManyFractionDigits: "too many fraction digits"
        case .badGrouping: "misplaced thousands separators"
        case .negative: "negative"
        case .overflow: "out of range"
        }
    }
}

/// Prices as the product API and the Bitrix `PRICE` property write them (`4 950 ₸`, `от 4 950 ₸`,
/// `4950,50`, `4 950 KZT`), parsed into exact kopecks. Works on UTF-8 bytes.
///
/// Rules, in order:
/// 1. Spaces are dropped: ASCII space and tab, NBSP U+00A0, narrow NBSP U+202F, thin space U+2009,
///    figure space U+2007 (the thousands separators the upstream webhook chokes on).
/// 2. A leading `от`/`От` ("from") is dropped; a trailing `₸`, `KZT` (any case), `тг`/`тг.` is dropped.
/// 3. A `-` or `–` between digits is a range → ``ValueTextFailure/range``; a leading `-` → negative.
/// 4. Separators: with both `.` and `,` the last one is the decimal point and the other groups
///    thousands; a separator that occurs more than once groups thousands; a single separator followed by
///    exactly three digits after a 1–3 digit lead (`4,950`, `1.500`) groups thousands; any other single
///    separator is the decimal point (`4950,50` → 4950.50 ₸ = 495050 kopecks, not ×100 again).
/// 5. At most two fraction digits (trailing zeros beyond are accepted).
///
/// ```swift
/// MoneyText.kopecks("4 950 ₸")        // .success(Kopecks(495000)): the NBSP the webhook turned into 0
/// MoneyText.kopecks("4950,50")        // .success(Kopecks(495050)): the comma the webhook read as ×100
/// MoneyText.kopecks("1.500,25 KZT")   // .success(Kopecks(150025))
/// MoneyText.kopecks("от 4 950 до 6 000 ₸")   // .failure(.range)
/// ```
///
/// A failure is a finding about the source, never a guess: the caller records a ``ParseProblem`` with the
/// raw text and leaves the price `nil`.
public enum MoneyText {
    /// Parses a tenge amount into kopecks.
    /// - Parameter bytes: The price text's UTF-8 bytes, as read from the dump or the feed.
    /// - Returns: The amount, or why the text is not one amount (the rules are on the type).
    public static func kopecks(_ bytes: some Collection<UInt8>) -> Result<Kopecks, ValueTextFailure> {
        var text = ValueText.compact(bytes)
        ValueText.dropPrefix(&text, ValueText.fromPrefixes)
        ValueText.dropSuffix(&text, ValueText.currencySuffixes)
        // `от 4 950 до 6 000 ₸`: "up to" makes it a range.
        if ValueText.containsBetweenDigits(text, ValueText.upTo) { return .failure(.range) }
        return ValueText.decimal(text, scale: 2, allowThousands: true).map { Kopecks($0) }
    }

    /// Parses a tenge amount given as a string.
    /// - Parameter text: The price text.
    /// - Returns: The amount, or why the text is not one amount.
    public static func kopecks(_ text: String) -> Result<Kopecks, ValueTextFailure> { kopecks(text.utf8) }
}

/// Dimensions as the product API writes them (`70 см`, `70`, `70.5`, `70,5 см`), in whole centimetres.
///
/// Decisions: a fractional value is truncated towards zero (`70.5` → 70), which is what upstream's
/// `int(float(x))` stores, so it never shows up as drift by itself; a range (`70-80 см`) is reported as
/// ``ValueTextFailure/range`` instead of picking a bound, because either bound would invent a value.
/// Units accepted: `см`, `см.`, `cm`. No thousands grouping.
///
/// ```swift
/// DimensionText.centimetres("70,5 см")   // .success(70)
/// DimensionText.centimetres("70-80")     // .failure(.range)
/// DimensionText.centimetres("1,000")     // .success(1): no grouping, so the comma is a decimal point
/// ```
public enum DimensionText {
    /// Parses a length in centimetres.
    /// - Parameter bytes: The dimension text's UTF-8 bytes.
    /// - Returns: Whole centimetres (truncated), or why the text is not one length.
    public static func centimetres(_ bytes: some Collection<UInt8>) -> Result<Int, ValueTextFailure> {
        var text = ValueText.compact(bytes)
        ValueText.dropSuffix(&text, ValueText.lengthSuffixes)
        return ValueText.decimal(text, scale: 0, allowThousands: false, truncate: true).flatMap { value in
            guard let int = Int(exactly: value) else { return .failure(.overflow) }
            return .success(int)
        }
    }

    /// Parses a length given as a string.
    /// - Parameter text: The dimension text.
    /// - Returns: Whole centimetres, or why the text is not one length.
    public static func centimetres(_ text: String) -> Result<Int, ValueTextFailure> { centimetres(text.utf8) }
}

/// The byte-level steps ``MoneyText`` and ``DimensionText`` share: dropping spaces, prefixes and units,
/// detecting ranges, and the separator rules of ``decimal(_:scale:allowThousands:truncate:)``.
enum ValueText {
    /// "from" as price lists write it (`от 4 950 ₸`: the lowest price, taken as the price).
    static let fromPrefixes: [[UInt8]] = [Array("от".utf8), Array("От".utf8), Array("ОТ".utf8)]
    /// Tenge written after the amount: the sign, the ISO code, the Russian abbreviation.
    static let currencySuffixes: [[UInt8]] = [
        Array("₸".utf8), Array("KZT".utf8), Array("kzt".utf8), Array("Kzt".utf8), Array("тг.".utf8), Array("тг".utf8),
    ]
    /// Centimetres written after a dimension, Cyrillic or Latin.
    static let lengthSuffixes: [[UInt8]] = [
        Array("см.".utf8), Array("см".utf8), Array("cm".utf8), Array("CM".utf8), Array("СМ".utf8),
    ]

    /// "up to" between two amounts (`4 950 до 6 000`): a range.
    static let upTo: [UInt8] = Array("до".utf8)

    /// Whether `needle` occurs with a digit right before and right after it.
    static func containsBetweenDigits(_ text: [UInt8], _ needle: [UInt8]) -> Bool {
        guard text.count >= needle.count + 2 else { return false }
        for start in 1...(text.count - needle.count - 1)
        where text[start - 1] &- UInt8(ascii: "0") < 10 && text[start + needle.count] &- UInt8(ascii: "0") < 10
            && text[start..<(start + needle.count)].elementsEqual(needle)
        {
            return true
        }
        return false
    }

    /// The bytes without any kind of space: ASCII space, tab, CR, LF, and the UTF-8 sequences of NBSP
    /// (C2 A0), narrow NBSP (E2 80 AF), thin space (E2 80 89) and figure space (E2 80 87). Other
    /// multi-byte characters pass through whole.
    static func compact(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pending: [UInt8] = []  // a multi-byte sequence being checked for a space
        for byte in bytes {
            if !pending.isEmpty {
                pending.append(byte)
                if pending == [0xC2, 0xA0] { pending.removeAll(); continue }
                if pending.count == 3 {
                    let isSpace =
                        pending[0] == 0xE2 && pending[1] == 0x80
                        && (pending[2] == 0xAF || pending[2] == 0x89 || pending[2] == 0x87)
                    if !isSpace { out.append(contentsOf: pending) }
                    pending.removeAll()
                    continue
                }
                if pending.count == 2, !(pending[0] == 0xE2 && pending[1] == 0x80) {
                    out.append(contentsOf: pending)
                    pending.removeAll()
                }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case 0xC2, 0xE2: pending.append(byte)
            default: out.append(byte)
            }
        }
        out.append(contentsOf: pending)
        return out
    }

    /// Removes the first of `prefixes` that `text` starts with (at most one).
    static func dropPrefix(_ text: inout [UInt8], _ prefixes: [[UInt8]]) {
        for prefix in prefixes where text.starts(with: prefix) {
            text.removeFirst(prefix.count)
            return
        }
    }

    /// Removes the first of `suffixes` that `text` ends with (at most one; longer forms are listed first,
    /// so `тг.` goes before `тг`).
    static func dropSuffix(_ text: inout [UInt8], _ suffixes: [[UInt8]]) {
        for suffix in suffixes where text.count >= suffix.count && Array(text.suffix(suffix.count)) == suffix {
            text.removeLast(suffix.count)
            return
        }
    }

    /// Parses `[-]digits[sep digits…]` into an integer scaled by 10^`scale`.
    ///
    /// - Parameters:
    ///   - text: Compacted text (no spaces, prefix or unit).
    ///   - scale: Fraction digits kept: 2 for kopecks, 0 for centimetres.
    ///   - allowThousands: Whether `.`/`,` may group thousands; without it, every separator is a decimal
    ///     point and two of them are not a number.
    ///   - truncate: Drop fraction digits beyond `scale` instead of failing on a non-zero one.
    /// - Returns: The scaled value, or the first rule it breaks. Checked arithmetic throughout: a value
    ///   past `Int64.max` is ``ValueTextFailure/overflow``, never a wrapped number.
    static func decimal(
        _ text: [UInt8], scale: Int, allowThousands: Bool, truncate: Bool = false
    ) -> Result<Int64, ValueTextFailure> {
        guard !text.isEmpty else { return .failure(.empty) }
        var body = text[...]
        var negative = false
        if body.first == UInt8(ascii: "-") {
            negative = true
            body = body.dropFirst()
        }
        // A dash (ASCII or en dash U+2013) after a digit means a range.
        let bytes = Array(body)
        for i in bytes.indices where i > 0 && bytes[i - 1] &- UInt8(ascii: "0") < 10 {
            if bytes[i] == UInt8(ascii: "-") { return .failure(.range) }
            if bytes[i] == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0x93 {
                return .failure(.range)
            }
        }
        var separators: [(index: Int, byte: UInt8)] = []
        for (i, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") {
                separators.append((i, byte))
            } else if byte &- UInt8(ascii: "0") >= 10 {
                return .failure(.notANumber)
            }
        }
        guard !bytes.isEmpty else { return .failure(.empty) }
        if negative { return .failure(.negative) }
        // Decide which separator (if any) is the decimal point.
        var decimalIndex: Int? = nil
        var groupByte: UInt8? = nil
        let kinds = Set(separators.map(\.byte))
        if kinds.count == 2 {
            let last = separators[separators.count - 1]
            decimalIndex = last.index
            groupByte = last.byte == UInt8(ascii: ".") ? UInt8(ascii: ",") : UInt8(ascii: ".")
            guard separators.dropLast().allSatisfy({ $0.byte == groupByte }) else { return .failure(.badGrouping) }
        } else if separators.count > 1 {
            guard allowThousands else { return .failure(.notANumber) }
            groupByte = separators[0].byte
        } else if let only = separators.first {
            let lead = only.index
            let tail = bytes.count - only.index - 1
            if allowThousands, tail == 3, (1...3).contains(lead) {
                groupByte = only.byte
            } else {
                decimalIndex = only.index
            }
        }
        if groupByte != nil, !allowThousands { return .failure(.notANumber) }
        let integerEnd = decimalIndex ?? bytes.count
        // Thousands groups: a 1-3 digit lead, then groups of exactly 3.
        if let groupByte {
            var groupLength = 0
            var first = true
            for byte in bytes[..<integerEnd] {
                if byte == groupByte {
                    guard first ? (1...3).contains(groupLength) : groupLength == 3 else {
                        return .failure(.badGrouping)
                    }
                    first = false
                    groupLength = 0
                } else {
                    groupLength += 1
                }
            }
            guard groupLength == 3 else { return .failure(.badGrouping) }
        }
        var value: Int64 = 0
        var digits = 0
        for byte in bytes[..<integerEnd] where byte &- UInt8(ascii: "0") < 10 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
            guard !o1, !o2 else { return .failure(.overflow) }
            value = s
            digits += 1
        }
        var fractionDigits = 0
        if let decimalIndex {
            for byte in bytes[(decimalIndex + 1)...] {
                if fractionDigits >= scale {
                    guard truncate || byte == UInt8(ascii: "0") else { return .failure(.tooManyFractionDigits) }
                    digits += 1
                    continue
                }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
                guard !o1, !o2 else { return .failure(.overflow) }
                value = s
                fractionDigits += 1
                digits += 1
            }
        }
        guard digits > 0 else { return .failure(.notANumber) }
        while fractionDigits < scale {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return .failure(.overflow) }
            value = m
            fractionDigits += 1
        }
        return .success(value)
    }
}
