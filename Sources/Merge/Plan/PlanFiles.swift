public import BackstopModel
public import BackstopReconcile
public import Foundation

/// The merge files beside a run's report: `plan.json` (every step, reviewable before anything is
/// written) and `bitrix_changes.ndjson` (what the catalog wins: changes for the Bitrix side, one JSON
/// object a line, never catalog writes).
///
/// `plan.json` is what `backstop apply --plan` reads back (and what a reviewer reads before `--yes`);
/// `bitrix_changes.ndjson` is for whoever owns the Bitrix side: Backstop never writes to Bitrix. Each line
/// is one ``BitrixChangeLine`` through `JSONEncoder` (compact, keys sorted); a line reads:
///
/// ```json
/// {"bitrix":"0.00","catalog":"1500.00","catalog_id":5021,"cause":"delivery_fee_dropped","entity":"order",
///  "field":"delivery_cost","key":"81234","kind":"order.field","probable_cause":"the Railway → …"}
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
        try writeAtomically(plan.jsonBytes(), to: directory.appendingPathComponent(planFile))
        try writeAtomically(
            try bitrixChangesBytes(planning.bitrixChanges, causes: causes),
            to: directory.appendingPathComponent(bitrixChangesFile))
    }

    /// `bitrix_changes.ndjson`'s bytes: one ``BitrixChangeLine`` a line, in the planner's order.
    /// - Parameters:
    ///   - changes: The Bitrix-side changes (``MergePlanning/bitrixChanges``).
    ///   - causes: The cause table, for each change's cause code and words.
    /// - Returns: The lines, each ending in `\n`; nothing for no change.
    /// - Throws: ``MergeError`` `io` in the unreachable case that a line cannot be encoded (it holds no
    ///   floating-point value).
    public static func bitrixChangesBytes(_ changes: [Change], causes: CauseRules) throws -> [UInt8] {
        let encoder = JSONFiles.compactEncoder()
        var lines: [UInt8] = []
        do {
            for change in changes {
                try JSONFiles.appendLine(BitrixChangeLine(change, causes: causes), with: encoder, into: &lines)
            }
        } catch {
            throw MergeError(.io, "cannot encode \(bitrixChangesFile): \(error)")
        }
        return lines
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
