import Foundation

/// Wall-clock times as `YYYY-MM-DD HH:MM:SS` text, the form Bitrix DATETIME columns are dumped in.
/// Text of this shape compares chronologically byte by byte.
///
/// Backstop keeps times as this text rather than `Date` wherever it can: a DATETIME has no zone, and the
/// text compares with the snapshot time (also site wall-clock text) with no conversion and no chance of
/// a zone slipping in. Conversions happen only at the edges (an ISO timestamp from the feed, a footer).
enum WallClock {
    /// Whether `bytes` are exactly `YYYY-MM-DD HH:MM:SS` (digits and separators in place). Field ranges
    /// are not checked: `2025-13-40 99:99:99` passes, which is enough to order and compare texts.
    /// - Parameter bytes: The candidate bytes.
    /// - Returns: `true` for 19 bytes of the right shape.
    static func isWallClockText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 19 else { return false }
        for unsafe(i, byte) in unsafe bytes.enumerated() {
            switch i {
            case 4, 7: if byte != UInt8(ascii: "-") { return false }
            case 10: if byte != UInt8(ascii: " ") { return false }
            case 13, 16: if byte != UInt8(ascii: ":") { return false }
            default: if byte &- UInt8(ascii: "0") >= 10 { return false }
            }
        }
        return true
    }

    /// `2025-10-25 03:00:00` from a footer's `2025-10-25  3:00:00` (mysqldump's space-padded hour) or
    /// `2025-10-25 03:00:00`; `nil` for anything else.
    /// - Parameter bytes: The footer text after `-- Dump completed on `.
    /// - Returns: Normalised wall-clock text (mysqldump writes the local time of the machine that ran it;
    ///   Backstop reads it as site time).
    static func footerText(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.count >= 10 else { return nil }
        var text = unsafe Array(bytes[0..<10])
        var k = 10
        guard k < bytes.count, unsafe bytes[k] == UInt8(ascii: " ") else { return nil }
        while k < bytes.count, unsafe bytes[k] == UInt8(ascii: " ") { k += 1 }
        var time = unsafe Array(bytes[k..<min(bytes.count, k + 8)])
        if time.count >= 7, time[1] == UInt8(ascii: ":") { time = [UInt8(ascii: "0")] + time.prefix(7) }
        guard time.count == 8 else { return nil }
        text.append(UInt8(ascii: " "))
        text += time
        return unsafe text.withUnsafeBufferPointer { unsafe isWallClockText($0) }
            ? String(decoding: text, as: UTF8.self) : nil
    }

    /// The wall-clock text of an instant in a time zone.
    /// - Parameters:
    ///   - date: The instant.
    ///   - timeZone: The zone whose clock to read.
    /// - Returns: `YYYY-MM-DD HH:MM:SS`, zero-padded.
    static func text(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ v: Int?, _ width: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return
            "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
    }

    /// Converts `2025-04-24T17:01:07+0500` (also `+05:00`, `Z`, or no zone = already site time, and a
    /// space instead of `T`) into site wall-clock text, or `nil` when it is not such a timestamp.
    ///
    /// ```swift
    /// WallClock.siteText(isoTimestamp: "2025-04-24T12:01:07Z", timeZone: almaty)   // "2025-04-24 17:01:07"
    /// WallClock.siteText(isoTimestamp: "2025-04-24 17:01:07.25", timeZone: almaty) // "2025-04-24 17:01:07"
    /// ```
    /// - Parameters:
    ///   - isoTimestamp: The timestamp text; fractional seconds are dropped, not rounded.
    ///   - timeZone: The Bitrix site's zone.
    /// - Returns: Site wall-clock text, or `nil` for another shape or an out-of-range field.
    static func siteText(isoTimestamp: String, timeZone: TimeZone) -> String? {
        let b = Array(isoTimestamp.utf8)
        guard b.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let year = number(0..<4), b[4] == UInt8(ascii: "-"), let month = number(5..<7), b[7] == UInt8(ascii: "-"),
            let day = number(8..<10), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
            let hour = number(11..<13), b[13] == UInt8(ascii: ":"), let minute = number(14..<16),
            b[16] == UInt8(ascii: ":"), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var rest = b[19...]
        // Fractional seconds are dropped.
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            while let first = rest.first, first &- UInt8(ascii: "0") < 10 { rest = rest.dropFirst() }
        }
        let local = String(decoding: b[0..<10], as: UTF8.self) + " " + String(decoding: b[11..<19], as: UTF8.self)
        if rest.isEmpty { return local }
        var offsetSeconds = 0
        if rest.elementsEqual([UInt8(ascii: "Z")]) {
            offsetSeconds = 0
        } else {
            guard let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            let digits = Array(rest.dropFirst().filter { $0 != UInt8(ascii: ":") })
            guard digits.count == 4 || digits.count == 2, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
                return nil
            }
            let h = Int(digits[0] - 48) * 10 + Int(digits[1] - 48)
            let m = digits.count == 4 ? Int(digits[2] - 48) * 10 + Int(digits[3] - 48) : 0
            offsetSeconds = (h * 3600 + m * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        var utc = Calendar(identifier: .gregorian)
        guard let utcZone = TimeZone(identifier: "UTC") else { preconditionFailure("UTC is a known time zone") }
        utc.timeZone = utcZone
        guard
            let instant = utc.date(
                from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        return text(instant.addingTimeInterval(TimeInterval(-offsetSeconds)), in: timeZone)
    }
}
