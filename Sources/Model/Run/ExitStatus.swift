/// The process exit codes Backstop documents for schedulers.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The run completed and found nothing to report.
    case clean = 0
    /// The run failed (bad input, database error, …); nothing was applied.
    case failure = 1
    /// The run completed and found discrepancies (data drift), none of them errors of the run itself.
    case drift = 2
    /// The run completed on partial input (`--allow-partial`); its findings are incomplete.
    case partial = 3
    /// The safety valve refused to apply a plan (partial input, another catalog, or more soft deletes or
    /// updates than the threshold); nothing was changed.
    case refused = 4
    /// Usage error (bad flags or configuration).
    case usage = 64
    /// Another run holds the lock; try again later.
    case locked = 75
    /// `--max-seconds` ran out: the run stopped early with a partial but valid report (as `timeout(1)`).
    case timedOut = 124
    /// Stopped by SIGHUP (128 + 1) at a safe point: run status `stopped`, a partial but valid report.
    case hangup = 129
    /// Stopped by SIGINT (128 + 2, Ctrl-C) at a safe point: run status `stopped`, a partial but valid report.
    case interrupted = 130
    /// Stopped by SIGTERM (128 + 15; systemd's stop) at a safe point: run status `stopped`, a partial but
    /// valid report.
    case terminated = 143

    /// One line for `--help`.
    public var meaning: String {
        switch self {
        case .clean: return "completed, no discrepancies"
        case .failure: return "failed; nothing was applied"
        case .drift: return "completed, discrepancies found"
        case .partial: return "completed on partial input (--allow-partial); findings incomplete"
        case .refused:
            return "apply refused by the safety valve (partial input, other catalog, threshold); nothing changed"
        case .usage: return "bad command line or configuration"
        case .locked: return "another Backstop run holds the lock on this catalog"
        case .timedOut: return "stopped by --max-seconds; the report is partial but valid"
        case .hangup: return "stopped by SIGHUP; the run is recorded stopped and its report is partial but valid"
        case .interrupted: return "stopped by SIGINT; the run is recorded stopped and its report is partial but valid"
        case .terminated: return "stopped by SIGTERM; the run is recorded stopped and its report is partial but valid"
        }
    }

    /// The exit status of a run stopped by signal `number` (128 + the signal, as a shell reports it);
    /// `failure` for a signal Backstop does not stop on.
    /// - Parameter number: The signal (`SIGTERM` is 15).
    /// - Returns: ``terminated`` for 15, ``interrupted`` for 2, ``hangup`` for 1, else ``failure``.
    public static func stopped(bySignal number: Int32) -> ExitStatus {
        ExitStatus(rawValue: 128 + number).flatMap { [.hangup, .interrupted, .terminated].contains($0) ? $0 : nil }
            ?? .failure
    }
}
