import Foundation
import Glibc
public import Logging

/// The terminal line progress bars draw on (stderr). Bars are drawn only when stderr is a terminal (and
/// `TERM` is not `dumb`, and `BACKSTOP_PROGRESS` is not `0`); otherwise ``ProgressBar`` only logs a line
/// every half minute. Log output goes through ``writeLogLine(_:)``, which clears the bar first and redraws
/// it after, so bars and log lines never interleave.
public enum ProgressDisplay {
    /// Whether bars are drawn: stderr is a terminal.
    public static let isEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if environment["BACKSTOP_PROGRESS"] == "0" || environment["TERM"] == "dumb" { return false }
        return isatty(STDERR_FILENO) == 1
    }()

    /// Guards `current` and every write to stderr.
    private static let lock = NSLock()
    /// The bar line currently on screen (`nil` when none).
    nonisolated(unsafe) private static var current: String?  // only touched under `lock`

    /// Writes a complete log line (with its newline) to stderr, keeping the bar below it.
    public static func writeLogLine(_ line: String) {
        lock.withLock {
            if current != nil { write("\r\u{1B}[2K") }
            write(line)
            if let current { write(current) }
        }
    }

    /// Draws `line` as the bar (no newline); `nil` clears it.
    static func draw(_ line: String?) {
        guard isEnabled else { return }
        lock.withLock {
            write("\r\u{1B}[2K")
            if let line { write(line) }
            current = line
        }
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(STDERR_FILENO, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if n <= 0 { if n < 0 && errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

/// Progress of one long piece of work (bytes of a dump, catalog rows, images, apply batches): a bar with
/// the rate and, when the total is known, the share done and the time left, redrawn at most ten times a
/// second on a terminal; a `progress` log line every 30 seconds when stderr is not a terminal.
///
/// ```swift
/// let bar = ProgressBar(label: "extract.dump", total: size, unit: .bytes, logger: logger)
/// bar.update(bytesRead)
/// bar.finish()
/// ```
public final class ProgressBar: @unchecked Sendable {  // every mutable field is guarded by `lock`
    /// What the counted things are.
    public enum Unit: Sendable {
        /// Bytes (shown as MB).
        case bytes
        /// Things with a name (`rows`, `images`, `batches`).
        case items(String)
    }

    /// The work's name (`extract.dump`).
    public let label: String
    /// The total, when known.
    public private(set) var total: Int64? {
        get { lock.withLock { storedTotal } }
        set { lock.withLock { storedTotal = newValue } }
    }
    private var storedTotal: Int64?
    private let lock = NSLock()
    /// The unit.
    public let unit: Unit
    let logger: Logger
    let started = DispatchTime.now().uptimeNanoseconds
    var lastDraw: UInt64 = 0
    var lastLog: UInt64 = DispatchTime.now().uptimeNanoseconds
    var done: Int64 = 0
    var finished = false

    /// Starts tracking.
    public init(label: String, total: Int64?, unit: Unit, logger: Logger) {
        self.label = label
        self.storedTotal = total.flatMap { $0 > 0 ? $0 : nil }
        self.unit = unit
        self.logger = logger
        if ProgressDisplay.isEnabled { ProgressDisplay.draw(line(now: started)) }
    }

    deinit { finish() }

    /// Reports `done` units so far (from any thread).
    public func update(_ done: Int64) {
        let now = DispatchTime.now().uptimeNanoseconds
        let text: String? = lock.withLock {
            self.done = max(self.done, done)
            if ProgressDisplay.isEnabled {
                guard now &- lastDraw >= 100_000_000 || done == storedTotal else { return nil }
                lastDraw = now
                return line(now: now)
            }
            guard now &- lastLog >= 30_000_000_000 else { return nil }
            lastLog = now
            return ""
        }
        guard let text else { return }
        if ProgressDisplay.isEnabled {
            ProgressDisplay.draw(text)
        } else {
            let total = self.total
            var metadata: Logger.Metadata = [
                "stage": "\(label)", "done": "\(amount(done))", "rate": "\(rate(now: now))",
            ]
            if let total { metadata["total"] = "\(amount(total))" }
            logger.notice("progress", metadata: metadata)
        }
    }

    /// Reports `done` of a total learnt only now (the index stage's image count).
    public func update(_ done: Int64, of total: Int64) {
        if total > 0 { lock.withLock { storedTotal = total } }
        update(done)
    }

    /// Removes the bar.
    public func finish() {
        let wasFinished = lock.withLock {
            defer { finished = true }
            return finished
        }
        if !wasFinished, ProgressDisplay.isEnabled { ProgressDisplay.draw(nil) }
    }

    func amount(_ value: Int64) -> String {
        switch unit {
        case .bytes: String(format: "%.1f MB", Double(value) / 1e6)
        case .items(let name): "\(value) \(name)"
        }
    }

    func rate(now: UInt64) -> String {
        let seconds = max(0.001, Double(now &- started) / 1e9)
        switch unit {
        case .bytes: return String(format: "%.0f MB/s", Double(done) / seconds / 1e6)
        case .items(let name): return String(format: "%.0f", Double(done) / seconds) + " \(name)/s"
        }
    }

    /// The bar's text (called with `lock` held, or before the bar is shared).
    func line(now: UInt64) -> String {
        var text = label.padding(toLength: max(label.count, 16), withPad: " ", startingAt: 0) + " "
        if let total = storedTotal {
            let share = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(share * Double(width))
            text += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
            text += String(format: "%3.0f%% ", share * 100) + "\(amount(done)) of \(amount(total))  \(rate(now: now))"
            let elapsed = Double(now &- started) / 1e9
            if share > 0.01 {
                let left = Int(elapsed / share - elapsed)
                text += String(format: "  %d:%02d left", left / 60, left % 60)
            }
        } else {
            text += "\(amount(done))  \(rate(now: now))"
        }
        return text
    }
}
