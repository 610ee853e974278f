/// Conversions of PostgreSQL binary timestamps (µs since 2000-01-01 00:00:00).
enum CatalogTimestamp {
    /// Seconds between 1970-01-01 and 2000-01-01.
    static let postgresEpochOffset: Int64 = 946_684_800

    /// `YYYY-MM-DD HH:MM:SS` (fractions dropped, floor towards the past), or `infinity`/`-infinity`.
    static func text(micros: Int64) -> String {
        if micros == .max { return "infinity" }
        if micros == .min { return "-infinity" }
        let (seconds, _) = floorDivide(micros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(daysSince2000: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(19)
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

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

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
