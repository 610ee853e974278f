public import Foundation

/// One row of `backstop.run`: what `backstop runs` lists, what a report's header shows, and what the next
/// run reads to find its previous comparable run.
public struct RunRecord: Sendable, Hashable, Codable {
    /// The run id.
    public var id: Int64
    /// `nightly`, `diff`, `apply`, `reindex`, …
    public var kind: String
    /// How the run stands or ended.
    public var status: RunStatus
    /// Start time.
    public var startedAt: Date
    /// End time, when finished.
    public var finishedAt: Date?
    /// Whether the run only planned changes.
    public var dryRun: Bool
    /// Counts by discrepancy kind (`product.missing` …) plus `total` for runs that compare, or the apply's
    /// totals (`applied`, `conflicts`, `skipped`, …); a key that is absent means zero.
    public var counts: [String: Int]
    /// The exit code, when finished.
    public var exitCode: Int?
    /// The report folder.
    public var reportDirectory: String?
    /// The error that ended the run, if any.
    public var error: String?
    /// The host that ran it.
    public var host: String

    /// Builds a record as the ledger stores it; a running run has no ``finishedAt`` and no ``exitCode``.
    public init(
        id: Int64, kind: String, status: RunStatus, startedAt: Date, finishedAt: Date? = nil, dryRun: Bool = true,
        counts: [String: Int] = [:], exitCode: Int? = nil, reportDirectory: String? = nil, error: String? = nil,
        host: String = ""
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.dryRun = dryRun
        self.counts = counts
        self.exitCode = exitCode
        self.reportDirectory = reportDirectory
        self.error = error
        self.host = host
    }

    /// Seconds between start and finish; for a run still going, between start and the current wall clock
    /// (the only place a run record reads the clock).
    public var duration: TimeInterval { (finishedAt ?? Date()).timeIntervalSince(startedAt) }
}
