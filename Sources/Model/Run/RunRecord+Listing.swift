import Foundation

extension RunRecord {
    /// One line of `backstop runs --json`: a run as scripts and the deploy checks read it, without parsing
    /// the table. Written through ``JSONFiles/compactEncoder()`` (keys sorted); every key is present, with
    /// `null` where the run has no value.
    ///
    /// ```json
    /// {"discrepancies":214,"exit_code":2,"id":42,"kind":"nightly","report_dir":"reports/000042-nightly",
    ///  "seconds":83.4,"started_at":1795314600,"status":"drift"}
    /// ```
    public struct Listing: Sendable, Hashable, Codable {
        /// The run id.
        public var id: Int64
        /// `nightly`, `diff`, `apply`, `reindex`, …
        public var kind: String
        /// How the run stands or ended.
        public var status: RunStatus
        /// Start time as Unix seconds (truncated toward the past).
        public var startedAt: Int64
        /// Seconds from start to finish (or to now, for a running run), to a tenth of a second.
        public var seconds: Double
        /// The exit code; `nil` while running.
        public var exitCode: Int?
        /// The finding count (``RunRecord/resultCount``); `nil` where it is not a result.
        public var discrepancies: Int?
        /// The report folder, if the run wrote one.
        public var reportDir: String?

        /// The listing of `run`.
        /// - Parameter run: A ledger row.
        public init(_ run: RunRecord) {
            id = run.id
            kind = run.kind
            status = run.status
            startedAt = Int64(run.startedAt.timeIntervalSince1970.rounded(.down))
            seconds = (run.duration * 10).rounded() / 10
            exitCode = run.exitCode
            discrepancies = run.resultCount
            reportDir = run.reportDirectory
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, status, startedAt = "started_at", seconds, exitCode = "exit_code", discrepancies
            case reportDir = "report_dir"
        }

        /// Writes every key, `null` for an absent exit code, count or folder.
        /// - Parameter encoder: The encoder.
        /// - Throws: The encoder's errors (a non-finite duration).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(kind, forKey: .kind)
            try container.encode(status, forKey: .status)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(exitCode, forKey: .exitCode)
            try container.encode(discrepancies, forKey: .discrepancies)
            try container.encode(reportDir, forKey: .reportDir)
        }
    }

    /// The finding count `backstop runs` shows: the `total` count (0 when absent) of a finished run, `nil`
    /// for a run that is running, failed or abandoned (its findings are not a result).
    public var resultCount: Int? {
        guard ![.running, .failed, .abandoned].contains(status) else { return nil }
        return counts["total"] ?? 0
    }
}
