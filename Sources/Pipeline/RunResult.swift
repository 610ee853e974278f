public import BackstopModel
public import Foundation

/// How a run ended: the exit status for the scheduler and, when the run started, its ledger row and report.
public struct RunResult: Sendable {
    /// The exit status (`locked` when another run held the catalog lock and nothing ran).
    public var status: ExitStatus
    /// The finished run's ledger row (its id and status); `nil` when the run never started.
    public var run: RunRecord?
    /// The run's report folder; `nil` when the run never started.
    public var reportDirectory: URL?
    /// How many discrepancies the run found.
    public var discrepancyCount: Int
    /// For `locked`: who holds the lock (the holder's run, when it announced one), in one sentence.
    public var lockHolder: String?
    /// The run's merge plan and, with `--apply`, what the apply did or why it was refused.
    public var merge: RunJob.MergeSummary?
    /// Discrepancies per kind (raw value).
    public var kinds: [String: Int] = [:]
    /// Discrepancies not in the previous comparable run.
    public var newCount = 0

    /// How a job ended, for the CLI; the job fills in the merge, kinds and new count afterwards.
    /// - Parameters:
    ///   - status: The exit status.
    ///   - run: The run's ledger row (`nil` when the job never got one, as for `locked`).
    ///   - reportDirectory: Where the reports were written.
    ///   - discrepancyCount: Findings of the run.
    ///   - lockHolder: For `locked`: who holds the lock.
    public init(
        status: ExitStatus, run: RunRecord? = nil, reportDirectory: URL? = nil, discrepancyCount: Int = 0,
        lockHolder: String? = nil
    ) {
        self.status = status
        self.lockHolder = lockHolder
        self.run = run
        self.reportDirectory = reportDirectory
        self.discrepancyCount = discrepancyCount
    }

}
