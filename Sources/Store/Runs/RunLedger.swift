public import BackstopModel
public import BackstopPostgres
import Foundation
import Logging

/// Records runs in `backstop.run` and their findings in `backstop.discrepancy`: the memory that run
/// history, `backstop runs`, `backstop report --run N` and the fleet page read from.
///
/// A run's life in the ledger: ``begin(kind:arguments:dryRun:inputs:version:)`` inserts it `running`,
/// ``record(_:for:origins:)`` stores its findings,
/// ``finish(_:status:exitCode:counts:partial:reportDirectory:error:signal:)`` writes how it ended. A run
/// whose process dies in between is found `abandoned` by the next run.
///
/// ```swift
/// let ledger = RunLedger(connection: connection)
/// var run = try ledger.begin(kind: "diff", arguments: CommandLine.arguments, dryRun: true, version: "0.9.0")
/// try ledger.record(findings, for: run)
/// try ledger.finish(&run, status: .drift, exitCode: .drift, counts: ["total": findings.count],
///                   reportDirectory: "reports/000042-diff")
/// ```
///
/// Not `Sendable` (it holds a `PGConnection`): one ledger per connection, one connection per task.
public struct RunLedger {
    /// The connection to the catalog database (where the `backstop` schema lives).
    public let connection: PGConnection

    /// A ledger that reads and writes through `connection`, which must be on the catalog database whose
    /// `backstop` schema is current (``BackstopSchema/requireCurrent(on:)``).
    public init(connection: PGConnection) { self.connection = connection }

    /// Inserts a `running` row and returns it; this connection's session holds the run's own advisory lock
    /// (``runLockClass``, the run id) until it ends, which is how a later run tells a live run from an
    /// abandoned one.
    ///
    /// - Parameters:
    ///   - kind: the run kind (`nightly`, `diff`, …).
    ///   - arguments: the command line, for the record.
    ///   - dryRun: whether the run may change the catalog.
    ///   - inputs: the inputs (dump paths, catalog endpoint, shop), stored as a JSON object with sorted keys.
    ///   - version: the Backstop version doing the run.
    /// - Returns: the new run, with its id and start time.
    /// - Throws: `PGError` when the row cannot be inserted.
    public func begin(kind: String, arguments: [String], dryRun: Bool, inputs: [String: String] = [:], version: String)
        throws
        -> RunRecord
    {
        let inputsJSON = try jsonText(inputs)
        let argumentsJSON = try jsonText(arguments)
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        // The run's own lock is taken in the statement that inserts the row, so no other session ever sees
        // the row `running` without its lock held (``markAbandoned(by:)``).
        let result = try connection.execute(
            """
            WITH started AS (
                INSERT INTO backstop.run (kind, host, pid, backstop_version, dry_run, arguments, inputs)
                VALUES (\(kind), \(host), \(pid), \(version), \(dryRun), \(PGJSON(argumentsJSON))::jsonb,
                        \(PGJSON(inputsJSON))::jsonb)
                RETURNING id, started_at)
            SELECT id, extract(epoch FROM started_at)::float8, pg_advisory_lock(\(Self.runLockClass), \(Self.runLockKey))
              FROM started
            """)
        return RunRecord(
            id: Int64(try result.int(row: 0, column: 0)), kind: kind, status: .running,
            startedAt: Date(timeIntervalSince1970: Double(result.string(row: 0, column: 1) ?? "0") ?? 0),
            dryRun: dryRun, host: host)
    }

    /// Stores a run's discrepancies (in one COPY) and returns how many were stored.
    ///
    /// - Parameters:
    ///   - discrepancies: the findings to store.
    ///   - run: the run they belong to.
    ///   - origins: the run each finding was first seen in (`RunHistory.origins`); a finding without one is
    ///     first seen in `run`.
    /// - Returns: the number of rows stored.
    /// - Throws: `PGError` when the COPY fails.
    @discardableResult
    public func record(
        _ discrepancies: [Discrepancy], for run: RunRecord, origins: [Discrepancy.Identity: RunHistory.Origin] = [:]
    ) throws -> Int {
        var timestamps: [Int64: String] = [:]  // origin run → its start as COPY text (few distinct runs)
        func timestamp(_ origin: RunHistory.Origin) -> String {
            if let text = timestamps[origin.runID] { return text }
            let text = Self.copyTimestamp(origin.at)
            timestamps[origin.runID] = text
            return text
        }
        return try connection.copyIn(
            """
            COPY backstop.discrepancy (run_id, kind, entity, entity_key, field, item, bitrix_value, catalog_value,
                                       bitrix_normalized, catalog_normalized, parser, cause, probable_cause, action,
                                       severity, first_seen_run_id, first_seen_at) FROM STDIN
            """, rows: discrepancies
        ) { d, buffer in
            let origin = origins[d.identity] ?? RunHistory.Origin(runID: run.id, at: run.startedAt)
            CopyText.appendRow(
                [
                    String(run.id), d.kind.rawValue, d.entity, d.key, d.field, d.item, d.bitrixValue,
                    d.catalogValue,
                    d.bitrixNormalized, d.catalogNormalized, d.parser, d.cause, d.probableCause, d.action,
                    d.severity.rawValue, String(origin.runID), timestamp(origin),
                ], to: &buffer)
        }
    }

    /// A `timestamptz` in COPY text: `2026-11-22 02:30:00.123456+00` (UTC, microseconds, rounded; times
    /// before 1970 floor to the whole second below).
    static func copyTimestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        var formatter = Date.ISO8601FormatStyle(timeZone: .gmt)
        formatter = formatter.dateSeparator(.dash).timeSeparator(.colon).dateTimeSeparator(.space)
        let base = Date(timeIntervalSince1970: Double(seconds)).formatted(formatter)  // 2026-11-22 02:30:00Z
        return String(base.dropLast()) + String(format: ".%06lld+00", micros - seconds * 1_000_000)
    }

    /// Marks a run finished (`signal`: the signal that stopped it, for a `stopped` run).
    ///
    /// Also releases the run's own advisory lock, so a scheduler that looks right after the process exits
    /// sees the run finished and unlocked. `run` is updated to what was stored, `finishedAt` from the
    /// server's clock.
    ///
    /// - Parameters:
    ///   - run: The run from ``begin(kind:arguments:dryRun:inputs:version:)``; updated in place.
    ///   - status: How it ended (`RunStatus.init(ending:)` derives it from the exit status).
    ///   - exitCode: The process's exit status.
    ///   - counts: Totals to keep (findings by kind and `total`, or the apply's counts).
    ///   - partial: Whether the run read partial input or stopped early: such a run resolves nothing and is
    ///     never a baseline.
    ///   - reportDirectory: Where its report was written, when one was.
    ///   - error: What ended a failed or stopped run (callers pass it through `Redaction` first).
    ///   - signal: The signal number of a `stopped` run.
    /// - Throws: `PGError` when the update fails (the run then stays `running` until a later run marks it
    ///   abandoned).
    public func finish(
        _ run: inout RunRecord, status: RunStatus, exitCode: ExitStatus, counts: [String: Int], partial: Bool = false,
        reportDirectory: String?, error: String? = nil, signal: Int32? = nil
    ) throws {
        let countsJSON = try jsonText(counts)
        let result = try connection.execute(
            """
            UPDATE backstop.run
               SET status = \(status.rawValue), finished_at = now(), exit_code = \(Int(exitCode.rawValue)),
                   counts = \(PGJSON(countsJSON))::jsonb, partial = \(partial), report_dir = \(reportDirectory),
                   error = \(error), signal = \(signal.map(Int.init))
             WHERE id = \(run.id)
            RETURNING extract(epoch FROM finished_at)::float8
            """)
        // The row is no longer `running`: its own lock has done its work. Released here rather than when the
        // session ends, so a scheduler that checks the locks right after the process exits sees none (the
        // backend's end is asynchronous). A fresh connection recording a lost run's end holds no such lock.
        _ = try? connection.execute(
            """
            SELECT pg_advisory_unlock(\(Self.runLockClass), (\(run.id) & 2147483647)::int4)
             WHERE EXISTS (SELECT 1 FROM pg_locks
                            WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 2
                              AND classid::bigint = \(Int64(Self.runLockClass))
                              AND objid::bigint = (\(run.id) & 2147483647))
            """)
        run.status = status
        run.exitCode = Int(exitCode.rawValue)
        run.counts = counts
        run.reportDirectory = reportDirectory
        run.error = error
        run.finishedAt = Date(timeIntervalSince1970: Double(result.string(row: 0, column: 0) ?? "0") ?? 0)
    }

    /// The most recent runs, newest first: `backstop runs`.
    /// - Parameters:
    ///   - limit: At most this many runs.
    ///   - kind: Only runs of this kind (`nightly`, `apply`, …); `nil` for every kind.
    /// - Returns: The runs, with their counts decoded.
    /// - Throws: `PGError` when the query fails.
    public func recent(limit: Int = 20, kind: String? = nil) throws -> [RunRecord] {
        try Self.records(
            connection.execute(
                """
                SELECT \(Self.runColumns)
                  FROM backstop.run
                 WHERE \(kind)::text IS NULL OR kind = \(kind)::text
                 ORDER BY id DESC
                 LIMIT \(limit)
                """))
    }

    /// The columns ``records(_:)`` decodes, in its order.
    static let runColumns = PGQuery(
        unsafeSQL: """
            id, kind, status, extract(epoch FROM started_at)::float8, extract(epoch FROM finished_at)::float8, \
            dry_run, counts::text, exit_code, report_dir, error, host
            """)

    /// Decodes rows of ``runColumns``.
    static func records(_ result: PGResult) throws -> [RunRecord] {
        let decoder = JSONDecoder()
        return try (0..<result.rowCount).map { row in
            // `counts` is written from a [String: Int] (jsonText); anything else reads as no counts.
            let counts =
                (try? decoder.decode([String: Int].self, from: Data((result.string(row: row, column: 6) ?? "{}").utf8)))
                ?? [:]
            return RunRecord(
                id: Int64(try result.int(row: row, column: 0)), kind: result.string(row: row, column: 1) ?? "",
                // A status this build does not know (a newer Backstop wrote it) reads as failed: never complete.
                status: result.string(row: row, column: 2).flatMap(RunStatus.init(rawValue:)) ?? .failed,
                startedAt: Date(timeIntervalSince1970: Double(result.string(row: row, column: 3) ?? "0") ?? 0),
                finishedAt: result.string(row: row, column: 4).flatMap(Double.init).map(
                    Date.init(timeIntervalSince1970:)),
                dryRun: result.bool(row: row, column: 5) ?? true, counts: counts,
                exitCode: result.string(row: row, column: 7).flatMap { Int($0) },
                reportDirectory: result.string(row: row, column: 8), error: result.string(row: row, column: 9),
                host: result.string(row: row, column: 10) ?? "")
        }
    }

    /// The discrepancies stored for a run, in the order they were recorded (report order).
    /// - Parameter runID: The run's id.
    /// - Returns: The findings; empty for an unknown run or one that found nothing.
    /// - Throws: `PGError` when the query fails.
    public func discrepancies(of runID: Int64) throws -> [Discrepancy] {
        try findings(of: runID).map(\.discrepancy)
    }

    /// The discrepancies stored for a run, each with the run it was first seen in: the previous run's
    /// side of `RunHistory.compare(runID:startedAt:current:partial:previous:trend:)`. Rows of a kind this
    /// build does not know (written by a newer Backstop) are skipped.
    /// - Parameter runID: The run's id.
    /// - Returns: The stored findings in recorded order.
    /// - Throws: `PGError` when the query fails.
    public func findings(of runID: Int64) throws -> [RunHistory.StoredFinding] {
        let cursor = try connection.query(
            """
            SELECT kind, entity, entity_key, field, bitrix_value, catalog_value, parser, probable_cause, severity,
                   item, bitrix_normalized, catalog_normalized, cause, action, first_seen_run_id,
                   extract(epoch FROM first_seen_at)::float8
              FROM backstop.discrepancy WHERE run_id = \(runID) ORDER BY id
            """)
        var out: [RunHistory.StoredFinding] = []
        while let row = try cursor.next() {
            guard let kind = row[0].flatMap(DiscrepancyKind.init(rawValue:)) else { continue }
            let discrepancy = Discrepancy(
                kind: kind, entity: row[1], key: row[2] ?? "", field: row[3], item: row[9], bitrixValue: row[4],
                catalogValue: row[5], bitrixNormalized: row[10], catalogNormalized: row[11], parser: row[6],
                cause: row[12], probableCause: row[7], action: row[13],
                severity: row[8].flatMap(Discrepancy.Severity.init(rawValue:)) ?? .error)
            var origin: RunHistory.Origin?
            if let id = row[14].flatMap({ Int64($0) }), let at = row[15].flatMap({ Double($0) }) {
                origin = RunHistory.Origin(runID: id, at: Date(timeIntervalSince1970: at))
            }
            out.append(RunHistory.StoredFinding(discrepancy: discrepancy, origin: origin))
        }
        return out
    }
}
