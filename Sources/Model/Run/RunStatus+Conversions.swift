extension RunStatus {
    /// The status a finished run is recorded with when the process exits with `exitStatus`: clean is
    /// `succeeded`, 124 `timed_out`, 128 + a signal `stopped`, a failure or a usage error `failed`.
    /// - Parameter exitStatus: How the run's process exits.
    public init(ending exitStatus: ExitStatus) {
        switch exitStatus {
        case .clean: self = .succeeded
        case .drift: self = .drift
        case .partial: self = .partial
        case .timedOut: self = .timedOut
        case .refused: self = .refused
        case .hangup, .interrupted, .terminated: self = .stopped
        case .failure, .usage, .locked: self = .failed
        }
    }
}

extension RunStatus: CustomStringConvertible {
    /// The ledger text (`timed_out`), so that a status reads the same in a report, a log line and the ledger.
    public var description: String { rawValue }
}
