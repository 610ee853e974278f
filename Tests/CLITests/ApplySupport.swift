import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// Every row of the catalog's tables (schema `public`) as md5 of its row text, with the keys the apply
/// tests need to say which rows a plan names: the owning product of an image row, the owning order of an
/// item or history row, the shop of a product or order.
struct CatalogRows: Equatable {
    /// One row.
    struct Row: Equatable {
        var checksum: String
        /// `product_id` of a productimage row, `order_id` of an orderitem/orderhistory row, else `nil`.
        var owner: Int64?
        /// `shop_id` of a product or order row.
        var shop: Int64?
    }

    /// `table:id` → row.
    var rows: [String: Row]

    /// Reads every row of every table of `public` that has an `id` column.
    static func read(_ conninfo: String) throws -> CatalogRows {
        let db = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
        defer { db.close() }
        let tables = try db.execute(
            """
            SELECT c.table_name::text FROM information_schema.columns c
             WHERE c.table_schema = 'public' AND c.column_name = 'id' ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
        var rows: [String: Row] = [:]
        for table in tables {
            let owner: String
            switch table {
            case "productimage": owner = "t.product_id::bigint"
            case "orderitem", "orderhistory": owner = "t.order_id::bigint"
            default: owner = "NULL::bigint"
            }
            let shop = table == "product" || table == "order" ? "t.shop_id::bigint" : "NULL::bigint"
            let result = try db.execute(
                PGQuery(
                    unsafeSQL: "SELECT t.id::text, md5(t::text), \(owner), \(shop) FROM \(PGIdentifier(table).quoted) t"
                ))
            for row in result.rows {
                rows["\(table):\(row[0] ?? "")"] = Row(
                    checksum: row[1] ?? "", owner: row[2].flatMap { Int64($0) }, shop: row[3].flatMap { Int64($0) })
            }
        }
        return CatalogRows(rows: rows)
    }
}

/// The rows a plan's steps name, read from `backstop.plan_step`.
struct PlannedRows {
    /// Products a step writes (their row).
    var products: Set<Int64> = []
    /// Products whose image rows a step writes (image steps and inserts).
    var imageOwners: Set<Int64> = []
    /// Orders a step writes (their row and new history rows).
    var orders: Set<Int64> = []
    /// Steps by `seq`: entity, action, target.
    var steps: [Int: (entity: String, action: String, target: Int64?)] = [:]

    /// The steps of `planID` (the plan of a run: `SELECT max(id) FROM backstop.plan WHERE run_id = …`).
    static func read(_ conninfo: String, run: Int64) throws -> PlannedRows {
        let db = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
        defer { db.close() }
        let result = try db.execute(
            """
            SELECT seq, entity, action, target FROM backstop.plan_step
             WHERE plan_id = (SELECT max(id) FROM backstop.plan WHERE run_id = \(run)) ORDER BY seq
            """)
        var planned = PlannedRows()
        for row in result.rows {
            guard let seq = row[0].flatMap({ Int($0) }), let entity = row[1], let action = row[2] else { continue }
            let target = row[3].flatMap { Int64($0) }
            planned.steps[seq] = (entity, action, target)
            guard action != "skip", let target else { continue }
            switch entity {
            case "product":
                planned.products.insert(target)
                if action == "insert" { planned.imageOwners.insert(target) }
            case "productimage": planned.imageOwners.insert(target)
            case "order": planned.orders.insert(target)
            default: break
            }
        }
        return planned
    }

    /// Whether the plan names this row (`table:id` with its owner).
    func names(_ key: String, _ row: CatalogRows.Row) -> Bool {
        let parts = key.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let id = Int64(parts[1]) else { return false }
        switch parts[0] {
        case "product": return products.contains(id)
        case "productimage": return row.owner.map(imageOwners.contains) ?? false
        case "order": return orders.contains(id)
        case "orderhistory": return row.owner.map(orders.contains) ?? false
        default: return false
        }
    }
}

/// The findings of a run's `discrepancies.ndjson`: identity (kind key field item) → action.
func findings(_ folder: URL) throws -> [String: String] {
    var out: [String: String] = [:]
    for line in try Data(contentsOf: folder.appendingPathComponent("discrepancies.ndjson")).split(separator: 10) {
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let kind = object["kind"] as? String, let key = object["key"] as? String
        else { continue }
        let identity = [kind, key, object["field"] as? String ?? "-", object["item"] as? String ?? "-"].joined(
            separator: " ")
        out[identity] = object["action"] as? String ?? ""
    }
    return out
}

/// The actions that write the catalog.
let writeActions: Set<String> = [
    "insert", "update", "soft_delete", "insert_images", "update_status", "backfill_link", "advance_sequence",
]

/// A `backstop.toml` raising the safety valve's thresholds (the tiny world's shop has 43 products, so a
/// handful of steps is over 5 %), and any extra lines.
func thresholdConfig(_ extra: String = "", softDeletes: Double = 1.0, updates: Double = 1.0) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("backstop-apply-\(UUID().uuidString).toml")
    try "[merge]\nmax_soft_delete_share = \(softDeletes)\nmax_update_share = \(updates)\n\(extra)"
        .write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Runs one SQL statement on `conninfo` and returns its rows as text.
@discardableResult
func sql(_ conninfo: String, _ query: PGQuery) throws -> [[String?]] {
    let db = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
    defer { db.close() }
    return try db.execute(query).rows
}

/// A `backstop` process running in the background (for tests that interrupt it).
final class BackgroundBackstop {
    let process = Process()
    let out: URL
    let err: URL

    init(_ arguments: [String], environment extra: [String: String] = [:], standardInput: URL? = nil) throws {
        out = FileManager.default.temporaryDirectory.appendingPathComponent("bg-out-\(UUID().uuidString)")
        err = FileManager.default.temporaryDirectory.appendingPathComponent("bg-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = RepoPaths.backstopBinary.deletingLastPathComponent().appendingPathComponent("backstop")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "DATABASE_URL", "BACKSTOP_CATALOG", "BACKSTOP_CONFIG"] {
            environment[key] = nil
        }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        if let standardInput { process.standardInput = try FileHandle(forReadingFrom: standardInput) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
    }

    /// Waits for the exit and returns status and output.
    func wait() -> (status: Int32, reason: Process.TerminationReason, out: String, err: String) {
        process.waitUntilExit()
        let text = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return (process.terminationStatus, process.terminationReason, text(out), text(err))
    }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
func eventually(_ seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}
