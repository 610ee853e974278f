import BackstopModel

/// Conversions of PostgreSQL binary timestamps (µs since 2000-01-01 00:00:00).
///
/// A binary COPY gives `timestamp` and `timestamptz` as this integer; Backstop turns it into the same
/// wall-clock text the dump has, without `Date` or `Calendar` (one call per row on a million-row read).
/// A `timestamp` column gives its wall-clock text as stored, a `timestamptz` its UTC text.
///
/// ```swift
/// CatalogTimestamp.text(micros: 0)                  // "2000-01-01 00:00:00"
/// CatalogTimestamp.text(micros: -1)                 // "1999-12-31 23:59:59" (floored, not rounded)
/// CatalogTimestamp.text(micros: 814_676_400_000_000) // "2025-10-25 03:00:00"
/// ```
enum CatalogTimestamp {
    /// Seconds between 1970-01-01 and 2000-01-01.
    static let postgresEpochOffset: Int64 = 946_684_800

    /// `YYYY-MM-DD HH:MM:SS` (fractions dropped, floor towards the past), or `infinity`/`-infinity`.
    /// - Parameter micros: The binary field's value; `Int64.max`/`.min` are PostgreSQL's infinities.
    /// - Returns: The wall-clock text (years outside 0…9999 take the slow path with a sign or more digits).
    static func text(micros: Int64) -> String {
        if micros == .max { return "infinity" }
        if micros == .min { return "-infinity" }
        let (seconds, _) = floorDivide(micros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(daysSince2000: days)
        guard (0...9999).contains(year) else { return slowText(year, month, day, secondOfDay) }
        // Fixed-width digits straight into the string's storage: this runs once or twice per catalog row.
        return unsafe String(unsafeUninitializedCapacity: 19) { buffer in
            // Safe because the capacity is 19 and every index below is < 19, each value has the digits its
            // width allows (year 0…9999 checked above, the rest by construction).
            let hour = secondOfDay / 3600
            let minute = secondOfDay / 60 % 60
            let second = secondOfDay % 60
            unsafe putPair(buffer, year / 100, at: 0)
            unsafe putPair(buffer, year % 100, at: 2)
            unsafe buffer[4] = UInt8(ascii: "-")
            unsafe putPair(buffer, month, at: 5)
            unsafe buffer[7] = UInt8(ascii: "-")
            unsafe putPair(buffer, day, at: 8)
            unsafe buffer[10] = UInt8(ascii: " ")
            unsafe putPair(buffer, hour, at: 11)
            unsafe buffer[13] = UInt8(ascii: ":")
            unsafe putPair(buffer, minute, at: 14)
            unsafe buffer[16] = UInt8(ascii: ":")
            unsafe putPair(buffer, second, at: 17)
            return 19
        }
    }

    /// The same time as ``text(micros:)``, packed (``PackedWallClock``): no string is made for a year in
    /// 0…9999, and the infinities and other years are held as their text.
    /// - Parameter micros: The binary field's value.
    /// - Returns: The wall-clock time, whose ``PackedWallClock/text`` is ``text(micros:)``.
    static func packed(micros: Int64) -> PackedWallClock {
        guard micros != .max, micros != .min else { return PackedWallClock(text(micros: micros)) }
        let (seconds, _) = floorDivide(micros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(daysSince2000: days)
        return PackedWallClock(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60) ?? PackedWallClock(text(micros: micros))
    }

    /// Two decimal digits of `value` (0…99) at `offset`, `offset + 1`.
    @inline(__always)
    private static func putPair(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ value: Int64, at offset: Int) {
        let v = UInt8(truncatingIfNeeded: value)
        unsafe buffer[offset] = UInt8(ascii: "0") &+ v / 10
        unsafe buffer[offset &+ 1] = UInt8(ascii: "0") &+ v % 10
    }

    /// Years outside 0…9999 (never in real data).
    private static func slowText(_ year: Int64, _ month: Int64, _ day: Int64, _ secondOfDay: Int64) -> String {
        var bytes: [UInt8] = []
        append(&bytes, year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        append(&bytes, month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(&bytes, day, width: 2)
        bytes.append(UInt8(ascii: " "))
        append(&bytes, secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(&bytes, secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(&bytes, secondOfDay % 60, width: 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Quotient rounded towards −∞ and a remainder in 0..<b, so times before 2000 land on the right day.
    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Appends `value` in decimal, zero-padded to `width` digits, with a leading `-` when negative.
    private static func append(_ bytes: inout [UInt8], _ value: Int64, width: Int) {
        var digits: [UInt8] = []
        var v = value.magnitude
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        } while v > 0
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        for _ in digits.count..<max(width, digits.count) { bytes.append(UInt8(ascii: "0")) }
        bytes.append(contentsOf: digits.reversed())
    }

    /// Proleptic Gregorian date of a day count (H. Hinnant's `civil_from_days`, shifted to 2000-01-01).
    private static func civil(daysSince2000: Int64) -> (Int64, Int64, Int64) {
        let z = daysSince2000 + 10_957 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
