public import Foundation

/// One row of `backstop.run`.
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
    /// Counts by discrepancy kind and other totals.
    public var counts: [String: Int]
    /// The exit code, when finished.
    public var exitCode: Int?
    /// The report folder.
    public var reportDirectory: String?
    /// The error that ended the run, if any.
    public var error: String?
    /// The host that ran it.
    public var host: String

    /// Creates a record.
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

    /// Seconds between start and finish (or now).
    public var duration: TimeInterval { (finishedAt ?? Date()).timeIntervalSince(startedAt) }
}
