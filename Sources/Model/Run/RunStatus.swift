/// How a run stands in the ledger (`backstop.run.status`): one value per way a run can be or end. The raw
/// value is the text stored in the ledger and shown by `backstop runs`, so scripts can match on it.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not finished. A `running` row whose process is gone becomes ``abandoned``.
    case running
    /// Completed; nothing to report.
    case succeeded
    /// Completed; discrepancies found (data drift, not an error of the run).
    case drift
    /// Completed on partial input (`--allow-partial`); its findings are incomplete.
    case partial
    /// Stopped by `--max-seconds` at a safe point, with a partial but valid report.
    case timedOut = "timed_out"
    /// Completed, but the safety valve refused to apply its plan; nothing was changed.
    case refused
    /// Failed; its report names the cause. Its plan is never applied.
    case failed
    /// Stopped by a signal (SIGTERM, SIGINT, SIGHUP) at a safe point, with a partial but valid report.
    case stopped
    /// Left `running` by a process that no longer exists (SIGKILL, power loss); marked by a later run.
    case abandoned

    /// Whether the run is over (every status but ``running``).
    public var isFinished: Bool { self != .running }

    /// Whether the run read all of its input and completed every stage, so that its findings and its plan
    /// can be trusted (an apply accepts only the plan of such a run).
    public var isComplete: Bool { [.succeeded, .drift, .refused].contains(self) }

    /// Whether the run stopped early with a partial but valid report (time limit or signal).
    public var isStoppedEarly: Bool { self == .timedOut || self == .stopped }
}
