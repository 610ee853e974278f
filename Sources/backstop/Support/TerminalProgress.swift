import BackstopModel
import Dispatch
import Foundation
import Glibc
import Logging
import Synchronization

/// The terminal line progress bars draw on (stderr). Bars are drawn only when stderr is a terminal (and
/// `TERM` is not `dumb`, and `BACKSTOP_PROGRESS` is not `0`); otherwise ``TerminalProgress`` only logs a
/// line every half minute. Log output goes through ``writeLogLine(_:)``, which clears the bar first and
/// redraws it after, so bars and log lines never interleave.
enum ProgressDisplay {
    /// Whether bars are drawn: stderr is a terminal.
    static let isEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if environment["BACKSTOP_PROGRESS"] == "0" || environment["TERM"] == "dumb" { return false }
        return isatty(STDERR_FILENO) == 1
    }()

    /// The bar line currently on screen (`nil` when none); every write to stderr happens under its lock.
    private static let current = Mutex<String?>(nil)

    /// Writes a complete log line (with its newline) to stderr, keeping the bar below it.
    /// - Parameter line: The rendered log record, newline included.
    static func writeLogLine(_ line: String) {
        current.withLock { current in
            if current != nil { write("\r\u{1B}[2K") }
            write(line)
            if let current { write(current) }
        }
    }

    /// Draws `line` as the bar (no newline); `nil` clears it.
    /// - Parameter line: The bar's text, or `nil`.
    static func draw(_ line: String?) {
        guard isEnabled else { return }
        current.withLock { current in
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

/// The CLI's receiver of the libraries' ``ProgressEvent``s: a bar with the rate and, when the total is
/// known, the share done and the time left, redrawn at most ten times a second on a terminal; a `progress`
/// log line every 30 seconds when stderr is not a terminal.
///
/// ```swift
/// var job = RunJob(…)
/// job.progress = TerminalProgress(logger: logger).reporter
/// ```
final class TerminalProgress: Sendable {
    /// Where the half-minute `progress` lines go when no bar is drawn.
    let logger: Logger
    /// Whether bars are drawn (``ProgressDisplay/isEnabled``; tests choose).
    let drawsBars: Bool
    /// The monotonic clock in nanoseconds (tests pass their own).
    let now: @Sendable () -> UInt64
    /// Where a bar line goes (`nil` clears it): ``ProgressDisplay/draw(_:)``, or a test's recorder.
    let draw: @Sendable (String?) -> Void
    /// Each piece of work's bar, by label.
    private let bars = Mutex<[String: BarState]>([:])

    /// A renderer drawing on stderr (``ProgressDisplay``) or logging through `logger`.
    /// - Parameters:
    ///   - logger: Where `progress` lines go when no bar is drawn.
    ///   - drawsBars: Whether to draw bars; by default when stderr is a terminal.
    ///   - now: The monotonic clock in nanoseconds (throttling and rates).
    ///   - draw: Where bar lines go.
    init(
        logger: Logger, drawsBars: Bool = ProgressDisplay.isEnabled,
        now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds },
        draw: @escaping @Sendable (String?) -> Void = { ProgressDisplay.draw($0) }
    ) {
        self.logger = logger
        self.drawsBars = drawsBars
        self.now = now
        self.draw = draw
    }

    /// The reporter to hand to a job; it keeps this renderer alive for as long as the job holds it.
    var reporter: ProgressReporter { ProgressReporter { [self] event in receive(event) } }

    /// What a call to ``receive(_:)`` does outside the lock.
    enum Output: Equatable {
        /// Draw this bar line (`nil`: clear it).
        case draw(String?)
        /// Log a `progress` line with this metadata.
        case log([String: String])
    }

    /// Handles one event: draws, logs or does nothing (throttled). Called from the libraries' worker
    /// threads; the state is behind a mutex and the drawing happens outside it.
    /// - Parameter event: A started, advanced or finished event of one piece of work.
    func receive(_ event: ProgressEvent) {
        let time = now()
        let output = bars.withLock { bars in Self.step(&bars, event, now: time, drawsBars: drawsBars) }
        switch output {
        case .draw(let line): draw(line)
        case .log(let fields):
            logger.notice("progress", metadata: fields.mapValues { .string($0) })
        case nil: break
        }
    }

    /// The state change and output of one event (pure, for tests).
    ///
    /// A bar is redrawn at most every 100 ms (and when it reaches its total), a `progress` line logged at
    /// most every 30 s; `done` never goes backwards, and events of a label that never started are ignored.
    /// - Parameters:
    ///   - bars: The bars by label, changed in place.
    ///   - event: The event.
    ///   - now: The time, nanoseconds.
    ///   - drawsBars: Whether bars are drawn (else lines are logged).
    /// - Returns: What to draw or log, or `nil` for nothing.
    static func step(_ bars: inout [String: BarState], _ event: ProgressEvent, now: UInt64, drawsBars: Bool)
        -> Output?
    {
        switch event.phase {
        case .started:
            let bar = BarState(label: event.label, unit: event.unit, total: event.total, started: now)
            bars[event.label] = bar
            return drawsBars ? .draw(bar.line(now: now)) : nil
        case .advanced:
            guard var bar = bars[event.label] else { return nil }
            defer { bars[event.label] = bar }
            if let total = event.total, total > 0 { bar.total = total }
            bar.done = max(bar.done, event.done)
            if drawsBars {
                guard now &- bar.lastDraw >= 100_000_000 || event.done == bar.total else { return nil }
                bar.lastDraw = now
                return .draw(bar.line(now: now))
            }
            guard now &- bar.lastLog >= 30_000_000_000 else { return nil }
            bar.lastLog = now
            var fields = ["stage": bar.label, "done": bar.amount(event.done), "rate": bar.rate(now: now)]
            if let total = bar.total { fields["total"] = bar.amount(total) }
            return .log(fields)
        case .finished:
            guard bars.removeValue(forKey: event.label) != nil else { return nil }
            return drawsBars ? .draw(nil) : nil
        }
    }

    /// One piece of work's bar.
    struct BarState {
        /// The work's name (`extract.dump`).
        let label: String
        /// What is counted.
        let unit: ProgressUnit
        /// The total, when known.
        var total: Int64?
        /// When the work started (nanoseconds).
        let started: UInt64
        /// When the bar was last drawn.
        var lastDraw: UInt64 = 0
        /// When a progress line was last logged.
        var lastLog: UInt64
        /// Units done so far (the largest reported).
        var done: Int64 = 0

        init(label: String, unit: ProgressUnit, total: Int64?, started: UInt64) {
            self.label = label
            self.unit = unit
            self.total = total.flatMap { $0 > 0 ? $0 : nil }
            self.started = started
            self.lastLog = started
        }

        /// `value` in the unit (`12.3 MB`, `4096 rows`); bytes in decimal megabytes, as `df -H` shows them.
        /// - Parameter value: A count of units.
        /// - Returns: The amount with its unit.
        func amount(_ value: Int64) -> String {
            switch unit {
            case .bytes: String(format: "%.1f MB", Double(value) / 1e6)
            case .items(let name): "\(value) \(name)"
            }
        }

        /// Units per second since the start (an average, not the last second's rate).
        /// - Parameter now: The time, nanoseconds.
        /// - Returns: `12 MB/s` or `350 rows/s`.
        func rate(now: UInt64) -> String {
            let seconds = max(0.001, Double(now &- started) / 1e9)
            switch unit {
            case .bytes: return String(format: "%.0f MB/s", Double(done) / seconds / 1e6)
            case .items(let name): return String(format: "%.0f", Double(done) / seconds) + " \(name)/s"
            }
        }

        /// The bar's text: the label padded to 16 columns, then with a known total a 30-cell bar, the share,
        /// done of total, the rate and (past 1 %) the time left extrapolated from the average rate; without a
        /// total, done and the rate.
        /// - Parameter now: The time, nanoseconds.
        /// - Returns: One line, no newline.
        func line(now: UInt64) -> String {
            var text = label.padding(toLength: max(label.count, 16), withPad: " ", startingAt: 0) + " "
            if let total {
                let share = min(1, Double(done) / Double(total))
                let width = 30
                let filled = Int(share * Double(width))
                text +=
                    "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
                text +=
                    String(format: "%3.0f%% ", share * 100) + "\(amount(done)) of \(amount(total))  \(rate(now: now))"
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
}
