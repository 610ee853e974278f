public import Foundation

/// RFC 3339 UTC timestamps (`2026-11-22T02:30:00Z`), written by hand from the integer seconds: the one
/// timestamp writer of reports, log lines and run-lock messages.
///
/// `ISO8601DateFormatter` gives the same text but costs a formatter (and its calendar) per call: the
/// report built one per finding (its `first_seen_at`), about 2.6 % of a diff's CPU. This is plain integer
/// arithmetic (the proleptic Gregorian calendar, days to civil date as in H. Hinnant's `civil_from_days`),
/// safe from any thread and independent of the machine's zone and locale.
///
/// An instant between two seconds is shown in the earlier one (truncated toward the past), as
/// `backstop runs` shows start times: `02:29:59.9996` is `02:29:59`. (`ISO8601DateFormatter` rounded to
/// milliseconds first and showed `02:30:00`.)
///
/// ```swift
/// RFC3339.string(Date(timeIntervalSince1970: 1_795_314_600))          // "2026-11-22T02:30:00Z"
/// RFC3339.string(Date(timeIntervalSince1970: 0.25), milliseconds: true) // "1970-01-01T00:00:00.250Z"
/// ```
public enum RFC3339 {
    /// The text of an instant, in UTC.
    /// - Parameters:
    ///   - date: The instant.
    ///   - milliseconds: Whether to show milliseconds (`.250`, truncated as the seconds are); log lines do.
    /// - Returns: `YYYY-MM-DDTHH:MM:SSZ` (or `…SS.mmmZ`); years past 9999 take more digits.
    public static func string(_ date: Date, milliseconds: Bool = false) -> String {
        let interval = date.timeIntervalSince1970
        guard milliseconds else { return string(seconds: wholeUnits(interval)) }
        let millis = wholeUnits(interval * 1000)
        let (seconds, fraction) = millis.quotientAndRemainder(dividingBy: 1000)
        // Before 1970 the remainder is negative: borrow one second so the fraction counts forward.
        return fraction < 0
            ? string(seconds: seconds - 1, millis: fraction + 1000) : string(seconds: seconds, millis: fraction)
    }

    /// The text of a Unix time, in UTC.
    /// - Parameters:
    ///   - seconds: Seconds since 1970-01-01T00:00:00Z (negative before it).
    ///   - millis: Milliseconds within the second (0 to 999), shown as `.mmm` when given.
    /// - Returns: `YYYY-MM-DDTHH:MM:SSZ` (or `…SS.mmmZ`).
    public static func string(seconds: Int64, millis: Int64? = nil) -> String {
        let (days, second) = floorDivision(seconds, 86_400)
        let (year, month, day) = civil(days: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        if year < 0 { out.append(UInt8(ascii: "-")) }
        append(abs(year), digits: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        append(month, digits: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        append(day, digits: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        append(second / 3600, digits: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(second % 3600 / 60, digits: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(second % 60, digits: 2, to: &out)
        if let millis {
            out.append(UInt8(ascii: "."))
            append(min(max(millis, 0), 999), digits: 3, to: &out)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The proleptic Gregorian date of a day number (0 = 1970-01-01): `civil_from_days`.
    /// - Parameter days: Days since the epoch.
    /// - Returns: Year, month (1–12) and day (1–31).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468  // days since 0000-03-01
        let era = floorDivision(z, 146_097).quotient
        let dayOfEra = z - era * 146_097  // 0 … 146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0 … 399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0 … 365, from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153  // 0 … 11
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Quotient rounded toward minus infinity and the (non-negative) remainder.
    static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }

    /// `value` rounded toward minus infinity, clamped to the range `Int64` holds (a non-finite value is 0).
    static func wholeUnits(_ value: Double) -> Int64 {
        guard value.isFinite else { return 0 }
        let floored = value.rounded(.down)
        // ±2^63 as Double: beyond it the conversion would trap.
        guard floored < 9.223_372_036_854_775_807e18 else { return .max }
        guard floored >= -9.223_372_036_854_775_808e18 else { return .min }
        return Int64(floored)
    }

    /// Appends `value` (non-negative) in decimal, zero-padded to at least `digits` digits.
    static func append(_ value: Int64, digits: Int, to out: inout [UInt8]) {
        var text: [UInt8] = []
        var rest = value
        repeat {
            text.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for _ in text.count..<max(digits, text.count) { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: text.reversed())
    }
}
