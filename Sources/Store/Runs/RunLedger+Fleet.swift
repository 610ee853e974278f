public import BackstopModel
import BackstopPostgres

extension RunLedger {
    /// Records which shops `run` reconciles and, for a partition of a fleet, which one (`K/N`).
    ///
    /// What lets `backstop fleet --since` assemble a night's page from the ledger alone.
    /// - Parameters:
    ///   - run: The run.
    ///   - shops: Its shops.
    ///   - partition: `K/N` for a partition worker, `nil` otherwise.
    /// - Throws: `PGError` when the update fails.
    public func recordScope(of run: RunRecord, shops: [Int64], partition: String?) throws {
        try connection.execute(
            """
            UPDATE backstop.run
               SET shops = string_to_array(\(shops.map(String.init).joined(separator: ",")), ',')::bigint[],
                   fleet_partition = \(partition)
             WHERE id = \(run.id)
            """)
    }
}

extension RunLedger {
    /// Recent runs of one shop (those that recorded it in `shops`, or, before 0008, as `inputs.shop_id`),
    /// newest first.
    /// - Parameters:
    ///   - limit: At most this many runs.
    ///   - kind: Only runs of this kind; `nil` for every kind.
    ///   - shop: The shop.
    /// - Returns: The runs, newest first.
    /// - Throws: `PGError` when the query fails.
    public func recent(limit: Int = 20, kind: String? = nil, shop: Int64) throws -> [RunRecord] {
        try Self.records(
            connection.execute(
                """
                SELECT \(Self.runColumns)
                  FROM backstop.run
                 WHERE (\(kind)::text IS NULL OR kind = \(kind)::text)
                   AND (\(shop)::bigint = ANY(shops) OR (shops IS NULL AND inputs->>'shop_id' = \(shop)::text))
                 ORDER BY id DESC
                 LIMIT \(limit)
                """))
    }

    /// One shop's newest finished run of a fleet, for the fleet page.
    public struct FleetMember: Sendable {
        /// The catalog shop id.
        public var shop: Int64
        /// Its newest run in the window.
        public var run: RunRecord
        /// The partition that ran it (`K/N`), if any.
        public var partition: String?
        /// Findings of the run first seen in it.
        public var newCount: Int
    }

    /// Each shop's newest finished run of `kind` started at or after `since` (a PostgreSQL timestamptz
    /// literal, e.g. `2026-12-07 02:00` or an ISO 8601 time), among runs that recorded their shops: what the
    /// partitions of one fleet night wrote.
    ///
    /// - Parameters:
    ///   - kind: The run kind (`nightly`).
    ///   - since: The earliest start, as PostgreSQL reads a `timestamptz` (bound, never spliced into SQL).
    /// - Returns: One member per shop, in shop order, with its count of new findings.
    /// - Throws: `PGError` (a `since` PostgreSQL cannot read as a time is a statement error).
    public func fleetMembers(kind: String, since: String) throws -> [FleetMember] {
        let result = try connection.execute(
            """
            SELECT DISTINCT ON (s.shop) s.shop, r.id, r.fleet_partition,
                   (SELECT count(*) FROM backstop.discrepancy d
                     WHERE d.run_id = r.id AND coalesce(d.first_seen_run_id, d.run_id) = r.id)
              FROM backstop.run r CROSS JOIN LATERAL unnest(r.shops) AS s(shop)
             WHERE r.kind = \(kind) AND r.started_at >= \(since)::timestamptz AND r.status <> 'running'
             ORDER BY s.shop, r.id DESC
            """)
        var members: [FleetMember] = []
        for row in 0..<result.rowCount {
            guard let shop = result.string(row: row, column: 0).flatMap({ Int64($0) }),
                let id = result.string(row: row, column: 1).flatMap({ Int64($0) }), let run = try self.run(id: id)
            else { continue }
            members.append(
                FleetMember(
                    shop: shop, run: run, partition: result.string(row: row, column: 2),
                    newCount: Int(result.string(row: row, column: 3) ?? "0") ?? 0))
        }
        return members
    }
}
