public import Foundation

extension SnapshotTime {
    /// The one format `--snapshot-time` and `bitrix.snapshot_time` take: RFC 3339 with seconds and an
    /// explicit zone, `2025-10-25 03:00:00+05:00` (a `T` may replace the space; `Z` is UTC).
    public static let configuredFormat = "YYYY-MM-DD HH:MM:SS±HH:MM (or Z), e.g. 2025-10-25 03:00:00+05:00"

    /// Why a configured snapshot time is refused, naming the value and the format.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        /// The refused text.
        public var value: String
        /// What is wrong with it.
        public var reason: String
        /// `snapshot time "yesterday": not YYYY-MM-DD HH:MM:SS±HH:MM …`.
        public var description: String { "snapshot time \"\(value)\": \(reason); expected \(configuredFormat)" }
    }

    /// Reads a configured snapshot time (``configuredFormat``): every field in range (no 13th month, no
    /// 30 February, no 25th hour), the zone explicit.
    ///
    /// ```swift
    /// try SnapshotTime.instant(configured: "2025-10-25T03:00:00+05:00")   // 2025-10-24 22:00:00 UTC
    /// try SnapshotTime.instant(configured: "2025-10-25 03:00:00")         // throws: no zone
    /// ```
    /// - Parameter text: The configured text.
    /// - Returns: The instant it names.
    /// - Throws: ``FormatError`` naming the value and what is wrong.
    public static func instant(configured text: String) throws(FormatError) -> Date {
        func fail(_ reason: String) -> FormatError { FormatError(value: text, reason: reason) }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x20 || bytes[10] == 0x54,
            bytes[13] == 0x3A, bytes[16] == 0x3A, let year = number(0..<4), let month = number(5..<7),
            let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            let second = number(17..<19)
        else { throw fail("not a date and time of the documented shape") }
        guard (1..<10_000).contains(year), (1...12).contains(month), (0...23).contains(hour),
            (0...59).contains(minute), (0...59).contains(second)
        else { throw fail("a field is out of range") }
        guard bytes.count > 19 else { throw fail("no zone (add Z or ±HH:MM)") }
        let offset: Int
        switch bytes[19] {
        case 0x5A where bytes.count == 20: offset = 0  // Z
        case 0x2B, 0x2D:
            guard bytes.count == 25, bytes[22] == 0x3A, let h = number(20..<22), let m = number(23..<25), h <= 18,
                m < 60
            else { throw fail("the zone is not ±HH:MM") }
            offset = (bytes[19] == 0x2D ? -1 : 1) * (h * 3600 + m * 60)
        default: throw fail("no zone (add Z or ±HH:MM)")
        }
        var calendar = Calendar(identifier: .gregorian)
        guard let zone = TimeZone(secondsFromGMT: offset) else { throw fail("the zone is out of range") }
        calendar.timeZone = zone
        guard let first = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let days = calendar.range(of: .day, in: .month, for: first), days.contains(day),
            let date = calendar.date(
                from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { throw fail("day \(day) is not in \(year)-\(month < 10 ? "0" : "")\(month)") }
        return date
    }

    /// The site wall-clock text (`YYYY-MM-DD HH:MM:SS` in the Bitrix site's zone) of a configured snapshot
    /// time, which is what the model compares `ACTIVE_FROM`/`ACTIVE_TO` with.
    /// - Parameters:
    ///   - text: The configured text (``configuredFormat``).
    ///   - siteTimeZone: The Bitrix site's time zone (`bitrix.time_zone`).
    /// - Returns: The same instant as site wall-clock text.
    /// - Throws: ``FormatError`` naming the value.
    public static func siteText(configured text: String, siteTimeZone: TimeZone) throws(FormatError) -> String {
        let date = try instant(configured: text)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = siteTimeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }
}
