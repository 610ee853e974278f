public import BackstopModel
public import BackstopReconcile
public import Foundation

/// The merge files beside a run's report: `plan.json` (every step, reviewable before anything is
/// written) and `bitrix_changes.ndjson` (what the catalog wins: changes for the Bitrix side, one JSON
/// object a line, never catalog writes).
///
/// `plan.json` is what `backstop apply --plan` reads back (and what a reviewer reads before `--yes`);
/// `bitrix_changes.ndjson` is for whoever owns the Bitrix side: Backstop never writes to Bitrix. A line
/// of it reads:
///
/// ```json
/// {"kind": "order.field", "entity": "order", "key": "81234", "field": "delivery_cost", "catalog_id": 5021,
///  "bitrix": "0.00", "catalog": "1500.00", "cause": "delivery_fee_dropped", "probable_cause": "the Railway → …"}
/// ```
public enum PlanFiles {
    /// `plan.json`.
    public static let planFile = "plan.json"
    /// `bitrix_changes.ndjson`.
    public static let bitrixChangesFile = "bitrix_changes.ndjson"

    /// Writes both files into `directory` (created if needed), each atomically.
    ///
    /// - Parameters:
    ///   - planning: The planner's result (its Bitrix-side changes become `bitrix_changes.ndjson`).
    ///   - plan: The plan as stored (with its id, so the file names the plan `backstop apply` resumes).
    ///   - causes: The cause table, for each change's cause code and words.
    ///   - directory: The run's report folder.
    /// - Throws: ``MergeError`` naming the file that could not be written.
    public static func write(_ planning: MergePlanning, plan: MergePlan, causes: CauseRules, to directory: URL) throws {
        var lines: [UInt8] = []
        for change in planning.bitrixChanges { appendBitrixChange(change, causes: causes, into: &lines) }
        try writeAtomically(plan.jsonBytes(), to: directory.appendingPathComponent(planFile))
        try writeAtomically(lines, to: directory.appendingPathComponent(bitrixChangesFile))
    }

    /// One Bitrix-side change: which Bitrix record and field, its current value, and the catalog's value it
    /// should take. Keys in a fixed order (not sorted), absent `field`, `item` and `catalog_id` left out.
    static func appendBitrixChange(_ change: Change, causes: CauseRules, into out: inout [UInt8]) {
        let cause = causes.cause(for: change.evidence)
        var fields: [(String, String)] = [
            ("kind", jsonString(change.kind.rawValue)), ("entity", jsonString(change.kind.entity)),
            ("key", jsonString(change.key)),
        ]
        if let field = change.field { fields.append(("field", jsonString(field))) }
        if let item = change.item { fields.append(("item", jsonString(item))) }
        if let id = change.catalogID { fields.append(("catalog_id", String(id))) }
        fields.append(("bitrix", change.bitrix.raw.map(jsonString) ?? "null"))
        fields.append(("catalog", change.catalog.raw.map(jsonString) ?? "null"))
        fields.append(("cause", jsonString(cause.code)))
        fields.append(("probable_cause", jsonString(cause.text)))
        out.append(UInt8(ascii: "{"))
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            out.append(contentsOf: "\"\(name)\": \(value)".utf8)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// Writes `bytes` through a temporary file and a rename, so a reader never sees half a file.
    /// - Throws: ``MergeError`` `io` naming the target when the folder, the temporary file or the rename
    ///   fails.
    static func writeAtomically(_ bytes: [UInt8], to target: URL) throws {
        // rename(2) replaces an existing file in one step: a reader (a reviewer's `cat`, `backstop apply
        // --plan`) sees the old plan or the new one, never no file.
        do {
            try AtomicFile.write(bytes, to: target)
        } catch {
            switch error {
            case .folder(let reason), .write(let reason):
                throw MergeError(.io, "cannot write \(target.path): \(reason)")
            case .rename(let reason):
                throw MergeError(.io, "cannot replace \(target.path): \(reason)")
            }
        }
    }
}
