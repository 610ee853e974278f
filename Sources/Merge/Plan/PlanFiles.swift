public import BackstopModel
public import BackstopReconcile
public import Foundation

/// The merge files beside a run's report: `plan.json` (every step, reviewable before anything is
/// written) and `bitrix_changes.ndjson` (what the catalog wins: changes for the Bitrix side, one JSON
/// object a line, never catalog writes).
public enum PlanFiles {
    /// `plan.json`.
    public static let planFile = "plan.json"
    /// `bitrix_changes.ndjson`.
    public static let bitrixChangesFile = "bitrix_changes.ndjson"

    /// Writes both files into `directory` (created if needed), each atomically.
    ///
    /// - Throws: ``MergeError`` naming the file that could not be written.
    public static func write(_ planning: MergePlanning, plan: MergePlan, causes: CauseRules, to directory: URL) throws {
        var lines: [UInt8] = []
        for change in planning.bitrixChanges { appendBitrixChange(change, causes: causes, into: &lines) }
        try writeAtomically(plan.jsonBytes(), to: directory.appendingPathComponent(planFile))
        try writeAtomically(lines, to: directory.appendingPathComponent(bitrixChangesFile))
    }

    /// One Bitrix-side change: which Bitrix record and field, its current value, and the catalog's value it
    /// should take.
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
    static func writeAtomically(_ bytes: [UInt8], to target: URL) throws {
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: temporary)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: temporary, to: target)
        } catch {
            throw MergeError(.io, "cannot write \(target.path): \(error.localizedDescription)")
        }
    }
}
