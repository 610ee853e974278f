import Foundation

/// Appending helpers for `[UInt8]` output buffers. Values go in as bytes; text becomes UTF-8 once.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func append(ascii string: StaticString) {
        string.withUTF8Buffer { append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func append(utf8 string: String) {
        var s = string
        s.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends the decimal digits of `value`.
    mutating func append(decimal value: Int) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            append(decimalMagnitude: value.magnitude)
        } else {
            append(decimalMagnitude: UInt(value))
        }
    }

    mutating func append(decimalMagnitude value: UInt) {
        if value < 10 {
            append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var divisor: UInt = 1
        while divisor <= value / 10 { divisor *= 10 }
        var v = value
        while divisor > 0 {
            append(UInt8(truncatingIfNeeded: v / divisor) &+ 48)
            v %= divisor
            divisor /= 10
        }
    }

    /// Appends `scaled / 10^scale` with exactly `scale` fraction digits (`495000, 2` → `4950.00`).
    mutating func append(fixed scaled: Int, scale: Int) {
        var divisor = 1
        for _ in 0..<scale { divisor *= 10 }
        if scaled < 0 { append(UInt8(ascii: "-")) }
        let magnitude = scaled.magnitude
        append(decimalMagnitude: magnitude / UInt(divisor))
        guard scale > 0 else { return }
        append(UInt8(ascii: "."))
        var fraction = magnitude % UInt(divisor)
        var place = divisor / 10
        while place > 0 {
            append(UInt8(truncatingIfNeeded: fraction / UInt(place)) &+ 48)
            fraction %= UInt(place)
            place /= 10
        }
    }

    /// Appends `YYYY-MM-DD HH:MM:SS` for a UTC instant given as seconds since 1970.
    mutating func append(dateTime seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = civilDate(fromDays: days)
        appendPadded(y, width: 4)
        append(UInt8(ascii: "-"))
        appendPadded(m, width: 2)
        append(UInt8(ascii: "-"))
        appendPadded(d, width: 2)
        append(UInt8(ascii: " "))
        appendPadded(secondOfDay / 3600, width: 2)
        append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, width: 2)
        append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2)
    }

    /// Appends `YYYY-MM-DD`.
    mutating func append(date seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (y, m, d) = civilDate(fromDays: days)
        appendPadded(y, width: 4)
        append(UInt8(ascii: "-"))
        appendPadded(m, width: 2)
        append(UInt8(ascii: "-"))
        appendPadded(d, width: 2)
    }

    mutating func appendPadded(_ value: Int, width: Int) {
        var place = 1
        for _ in 1..<width { place *= 10 }
        var v = value
        while place > 0 {
            append(UInt8(truncatingIfNeeded: v / place) &+ 48)
            v %= place
            place /= 10
        }
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, days since 1970-01-01).
func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}

/// Days since 1970-01-01 of a civil date.
func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = month > 2 ? month - 3 : month + 9
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// A file written through large buffered writes.
final class BufferedFile {
    let url: URL
    private let handle: FileHandle
    var buffer: [UInt8] = []
    private(set) var bytesWritten = 0
    private let flushThreshold: Int

    init(url: URL, flushThreshold: Int = 1 << 20) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw WorldGenError(.io, "cannot open \(url.path) for writing")
        }
        self.url = url
        self.handle = handle
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + (64 << 10))
    }

    /// Writes the buffer out once it is big enough.
    @inline(__always)
    func flushIfNeeded() throws {
        if buffer.count >= flushThreshold { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}
