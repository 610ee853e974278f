import BackstopExtract
import BackstopMerge
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// What `backstop apply` decides before it writes: the safety valve's and the ledger's refusals, the
/// listing, and whether the session's role may write at all.
extension ApplyJob {
    /// A plan as checked before an apply: what blocks it, what `--force` overrode, and the listing shown.
    struct Review {
        /// The plan to apply.
        var plan: MergePlan
        /// The refusals that stop the apply (no flag overrides them, or `--force` was not given).
        var blocking: [SafetyValve.Refusal]
        /// The refusals `--force` overrode (listed, not blocking).
        var forced: [SafetyValve.Refusal]
        /// The plan's listing, with its outcomes so far and its refusals.
        var listing: String

        /// The result of `backstop apply` without `--yes`: the listing and what an apply would do; refused
        /// (exit 4) when it would be refused.
        var preview: Result {
            let verdict =
                blocking.isEmpty ? "nothing written: add --yes to apply" : "nothing written: the apply would be refused"
            return Result(
                status: blocking.isEmpty ? .clean : .refused, plan: plan, refusals: blocking,
                text: listing + "\n\n" + verdict)
        }
    }

    /// Checks a plan with the ledger (its run must be complete) and the safety valve (shares, the catalog's
    /// fingerprint), and lists it.
    /// - Parameters:
    ///   - plan: The plan to apply.
    ///   - stored: Its stored state, when it is in the store (each step's outcome so far).
    ///   - connection: The catalog connection.
    /// - Returns: The review.
    /// - Throws: `PGError` when the ledger or the catalog cannot be read.
    func review(_ plan: MergePlan, stored: StoredPlan?, connection: PGConnection) throws -> Review {
        let fingerprint = try CatalogReader(connection: connection, logger: logger).fingerprint()
        let valve = SafetyValve(
            maxSoftDeleteShare: configuration.merge.maxSoftDeleteShare,
            maxUpdateShare: configuration.merge.maxUpdateShare)
        let all =
            try integrityRefusals(plan, ledger: RunLedger(connection: connection))
            + valve.check(plan, fingerprint: fingerprint)
        let blocking = all.filter { !(force && $0.isOverridable) }
        let forced = all.filter { force && $0.isOverridable }
        let listing = PlanPreview.listing(
            plan, outcomes: stored?.outcomes ?? [:], refusals: blocking, forced: forced, limit: listLimit)
        return Review(plan: plan, blocking: blocking, forced: forced, listing: listing)
    }

    /// Refuses before the first batch when the session's role may not write the tables a plan writes.
    /// - Parameter connection: The catalog connection.
    /// - Throws: ``PipelineError`` (`runFailed`) naming the role, the table and the privilege.
    static func requireWritePrivilege(on connection: PGConnection) throws {
        guard let missing = try missingWritePrivilege(on: connection) else { return }
        throw PipelineError(
            .runFailed,
            "nothing written: the role \(missing.role) may not write the catalog (no \(missing.privilege) on "
                + "\(missing.table)); apply needs the backstop_writer role (sql/roles.sql)")
    }

    /// The first write privilege on the upstream tables a plan writes that this session's role lacks
    /// (a reader role, sql/roles.sql), so the apply refuses before its first batch rather than failing in it.
    static func missingWritePrivilege(on connection: PGConnection) throws -> (
        role: String, table: String, privilege: String
    )? {
        let result = try connection.execute(
            """
            SELECT current_user, t, p
              FROM (VALUES ('product', 'INSERT'), ('product', 'UPDATE'), ('productimage', 'INSERT'),
                           ('productimage', 'UPDATE'), ('productimage', 'DELETE'), ('"order"', 'UPDATE'),
                           ('orderhistory', 'INSERT')) AS v(t, p)
             WHERE to_regclass(t) IS NOT NULL AND NOT has_table_privilege(t, p)
             LIMIT 1
            """)
        guard result.rowCount == 1 else { return nil }
        return (
            result.string(row: 0, column: 0) ?? "?", result.string(row: 0, column: 1) ?? "?",
            result.string(row: 0, column: 2) ?? "?"
        )
    }
}
