public import BackstopModel
import BackstopPostgres
public import Foundation

extension RunLedger {
    /// One run by id, or `nil`.
    /// - Parameter id: The run's id.
    /// - Returns: The run as recorded so far (a running run has no end yet).
    /// - Throws: `PGError` when the query fails.
    public func run(id: Int64) throws -> RunRecord? {
        try Self.records(connection.execute("SELECT \(Self.runColumns) FROM backstop.run WHERE id = \(id)")).first
    }

    /// The newest complete run of `kind` for `shop` before `runID` (the run this one is compared with), or
    /// `nil`. `shop` is the `shop_id` the run's inputs name; `nil` matches runs that named none.
    ///
    /// Complete means `succeeded` or `drift`: a partial, stopped, refused or failed run may lack findings,
    /// and comparing with it would report findings as new that were merely unread.
    /// - Parameters:
    ///   - runID: The run being finished; only earlier runs qualify.
    ///   - kind: Only runs of the same kind (`nightly` compares with `nightly`).
    ///   - shop: The shop, as text.
    /// - Returns: The baseline run, or `nil` for a first run.
    /// - Throws: `PGError` when the query fails.
    public func previousComparableRun(before runID: Int64, kind: String, shop: String?) throws -> RunRecord? {
        try Self.records(
            connection.execute(
                """
                SELECT \(Self.runColumns) FROM backstop.run
                 WHERE id < \(runID) AND kind = \(kind) AND status IN ('succeeded', 'drift')
                   AND (inputs->>'shop_id') IS NOT DISTINCT FROM \(shop)::text
                 ORDER BY id DESC LIMIT 1
                """)
        ).first
    }

    /// Finished runs of `kind` for `shop` up to and including `runID`, oldest first (failed runs left out:
    /// they have no totals), for the trend chart.
    /// - Parameters:
    ///   - runID: The newest run to include.
    ///   - kind: The run kind.
    ///   - shop: The shop, as text.
    ///   - limit: At most this many points (the newest).
    /// - Returns: One point per run, oldest first.
    /// - Throws: `PGError` when the query fails.
    public func trend(upTo runID: Int64, kind: String, shop: String?, limit: Int = 30) throws -> [RunHistory.Point] {
        let runs = try Self.records(
            connection.execute(
                """
                SELECT \(Self.runColumns) FROM backstop.run
                 WHERE id <= \(runID) AND kind = \(kind) AND status NOT IN ('running', 'failed')
                   AND (inputs->>'shop_id') IS NOT DISTINCT FROM \(shop)::text
                 ORDER BY id DESC LIMIT \(limit)
                """))
        return runs.reversed().map {
            RunHistory.Point(runID: $0.id, startedAt: $0.startedAt, status: $0.status, total: $0.counts["total"] ?? 0)
        }
    }

    /// When the newest successful (clean or drift) run of `kind` up to `runID` finished, for the
    /// `last_success` metric (a failed run must not erase it).
    /// - Parameters:
    ///   - runID: The newest run to consider.
    ///   - kind: The run kind.
    /// - Returns: The finish time, `nil` when no such run finished yet.
    /// - Throws: `PGError` when the query fails.
    public func lastSuccess(upTo runID: Int64, kind: String) throws -> Date? {
        let result = try connection.execute(
            """
            SELECT extract(epoch FROM max(finished_at))::float8 FROM backstop.run
             WHERE id <= \(runID) AND kind = \(kind) AND status IN ('succeeded', 'drift')
            """)
        return result.string(row: 0, column: 0).flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    /// The `shop_id` a run's inputs name.
    /// - Parameter runID: The run.
    /// - Returns: The shop id as text, `nil` for an unknown run or one that named no shop.
    /// - Throws: `PGError` when the query fails.
    public func shop(of runID: Int64) throws -> String? {
        try connection.execute("SELECT inputs->>'shop_id' FROM backstop.run WHERE id = \(runID)").string(
            row: 0, column: 0)
    }

    /// The history of `run`'s findings: compared with the previous comparable run, plus the trend.
    ///
    /// - Parameters:
    ///   - run: the run being finished.
    ///   - current: the run's findings.
    ///   - partial: the run read partial input (it resolves nothing).
    ///   - shop: the shop the run reconciled.
    /// - Returns: the comparison and the trend, ending with this run.
    /// - Throws: `PGError` when the ledger cannot be read.
    public func history(of run: RunRecord, current: [Discrepancy], partial: Bool, shop: String?) throws -> RunHistory {
        var previous: (run: RunHistory.Point, findings: [RunHistory.StoredFinding])?
        if let before = try previousComparableRun(before: run.id, kind: run.kind, shop: shop) {
            let point = RunHistory.Point(
                runID: before.id, startedAt: before.startedAt, status: before.status, total: before.counts["total"] ?? 0
            )
            previous = (point, try findings(of: before.id))
        }
        var trend = try trend(upTo: run.id, kind: run.kind, shop: shop)
        // The run being finished is not in the ledger as finished yet: it is the trend's last point.
        let own = RunHistory.Point(runID: run.id, startedAt: run.startedAt, status: run.status, total: current.count)
        if let last = trend.last, last.runID == run.id { trend[trend.count - 1] = own } else { trend.append(own) }
        return RunHistory.compare(
            runID: run.id, startedAt: run.startedAt, current: current, partial: partial, previous: previous,
            trend: trend)
    }

    /// Stores the report context of a run (stages, rows compared, webhook health …) as JSON, so the run can be
    /// rendered again exactly.
    /// - Parameters:
    ///   - json: The report context as JSON text.
    ///   - runID: The run.
    /// - Throws: `PGError` when the update fails (including JSON the server rejects).
    public func saveReportContext(_ json: String, for runID: Int64) throws {
        try connection.execute("UPDATE backstop.run SET report = \(PGJSON(json))::jsonb WHERE id = \(runID)")
    }

    /// The report context stored for a run, or `nil` (runs recorded before it was kept).
    /// - Parameter runID: The run.
    /// - Returns: The JSON text as stored (key order normalised by `jsonb`).
    /// - Throws: `PGError` when the query fails.
    public func reportContext(of runID: Int64) throws -> String? {
        try connection.execute("SELECT report::text FROM backstop.run WHERE id = \(runID)").string(row: 0, column: 0)
    }

    /// The `inputs` object stored for a run, as JSON text (already redacted when it was recorded).
    /// - Parameter runID: The run.
    /// - Returns: The object, `nil` for an unknown run.
    /// - Throws: `PGError` when the query fails.
    public func inputs(of runID: Int64) throws -> String? {
        try connection.execute("SELECT inputs::text FROM backstop.run WHERE id = \(runID)").string(row: 0, column: 0)
    }
}
