import BackstopModel
import BackstopPostgres

/// What merge planning checks a step against besides the rows: which catalog this is, the enum labels
/// it has, and how long its text columns are.
public struct CatalogFacts: Sendable, Hashable {
    /// The catalog's identity (``CatalogReader/fingerprint()``): a plan made against another catalog is refused.
    public var fingerprint: String
    /// Host, port and database, for people.
    public var endpoint: String
    /// Enum type → its labels (`orderstatus` → `NEW`, `PAID`, …), as the catalog has them.
    public var enumLabels: [String: Set<String>]
    /// `table.column` → `varchar(n)` length, for the columns a plan writes.
    public var columnLimits: [String: Int]

    /// Facts as read by ``CatalogReader/facts()``.
    public init(fingerprint: String, endpoint: String, enumLabels: [String: Set<String>], columnLimits: [String: Int]) {
        self.fingerprint = fingerprint
        self.endpoint = endpoint
        self.enumLabels = enumLabels
        self.columnLimits = columnLimits
    }
}

extension CatalogReader {
    /// The catalog's fingerprint: `pg:<system identifier>/<database oid>/<database name>` (the system
    /// identifier is `?` where `pg_control_system()` is not granted). The same database keeps it; another
    /// server, a restored copy or another database on the same server does not.
    ///
    /// A plan records it, and the apply refuses a plan whose fingerprint differs: a plan made against
    /// staging can never be applied to production by mistake.
    /// - Returns: `pg:7321456789012345678/16384/cvety`, or `pg:?/16384/cvety` without the privilege.
    /// - Throws: `PGError` when the query fails.
    public func fingerprint() throws -> String {
        let result = try connection.execute(
            """
            SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'execute')
                        THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END,
                   d.oid::text, d.datname
              FROM pg_catalog.pg_database d WHERE d.datname = current_database()
            """)
        let system = result.string(row: 0, column: 0) ?? "?"
        return "pg:\(system)/\(result.string(row: 0, column: 1) ?? "?")/\(result.string(row: 0, column: 2) ?? "?")"
    }

    /// The fingerprint, the labels of the enums a plan writes (`orderstatus`, `producttype`) and the
    /// `varchar` lengths of the catalog's text columns.
    ///
    /// The planner turns a write these facts rule out (a status label the enum lacks, a name longer than
    /// its column) into a `skip` with the reason, rather than a failure at apply time or a truncation.
    /// - Returns: The facts of the catalog `connection` is on.
    /// - Throws: `PGError` when a catalog query fails.
    public func facts() throws -> CatalogFacts {
        var labels: [String: Set<String>] = [:]
        let enums = try connection.execute(
            """
            SELECT t.typname::text, e.enumlabel::text FROM pg_catalog.pg_enum e
              JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid
             WHERE t.typname IN ('orderstatus', 'producttype') AND pg_catalog.pg_type_is_visible(t.oid)
            """)
        for row in enums.rows { if let type = row[0], let label = row[1] { labels[type, default: []].insert(label) } }
        var limits: [String: Int] = [:]
        let columns = try connection.execute(
            """
            SELECT table_name::text || '.' || column_name::text, character_maximum_length::int
              FROM information_schema.columns
             WHERE table_schema = current_schema() AND character_maximum_length IS NOT NULL
               AND table_name IN ('product', 'productimage', 'order', 'orderhistory')
            """)
        for row in columns.rows {
            if let name = row[0], let limit = row[1].flatMap({ Int($0) }) { limits[name] = limit }
        }
        return CatalogFacts(
            fingerprint: try fingerprint(), endpoint: connection.endpoint, enumLabels: labels, columnLimits: limits)
    }
}
