public import BackstopModel
import Foundation

/// The time limit of a run (`--max-seconds`), measured on the monotonic clock from the job's start. Long
/// stages check it between chunks of work; an expired deadline stops the run with a partial but valid
/// report (run status `timed_out`, exit code 124).
public struct Deadline: Sendable, CustomStringConvertible {
    /// The limit in seconds; `nil` means none.
    public let seconds: Double?
    /// The monotonic start, in nanoseconds.
    let start: UInt64

    /// Starts a deadline now.
    public init(seconds: Double?) {
        self.seconds = seconds
        self.start = DispatchTime.now().uptimeNanoseconds
    }

    /// No time limit.
    public static var none: Deadline { Deadline(seconds: nil) }

    /// Seconds since the start.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9 }

    /// Whether the limit has passed.
    public var isExpired: Bool {
        guard let seconds else { return false }
        return elapsed >= seconds
    }

    /// `--max-seconds 600 reached after 600.2 s`, then `detail` (`, before index`, `: stopped …`): a
    /// report's stop reason.
    func reached(_ detail: String) -> String {
        "\(self) reached after \(String(format: "%.1f", elapsed)) s\(detail)"
    }

    /// `--max-seconds 600`, or `no time limit`.
    public var description: String {
        guard let seconds else { return "no time limit" }
        return "--max-seconds \(seconds.rounded() == seconds ? String(Int64(seconds)) : String(seconds))"
    }
}

/// The earlier name of ``StageStopped``, kept for the extract loaders' safe points.
typealias DeadlineReached = StageStopped

extension StopSwitch {
    /// The report's stop reason: `--max-seconds 600 reached after 600.2 s` or `signal 15 (SIGTERM)
    /// received after 12.5 s`, then `detail`.
    func reached(_ detail: String) -> String {
        if let number = signalNumber {
            return "\(StopReason.signal(number)) after \(String(format: "%.1f", deadline.elapsed)) s\(detail)"
        }
        return deadline.reached(detail)
    }

    /// How a stopped run ends: `stopped` with 128 + the signal, or `timed_out` (124) for the time limit.
    public var stoppedStatus: ExitStatus { signalNumber.map(ExitStatus.stopped(bySignal:)) ?? .timedOut }
}
