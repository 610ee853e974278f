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

/// One line of `bitrix_changes.ndjson`: which Bitrix record and field a change is about, its current value
/// in Bitrix, the catalog's value it should take, and why they differ. Written with sorted keys; `field`,
/// `item` and `catalog_id` are left out when the change has none, `bitrix` and `catalog` are `null` when
/// that side has no value.
public struct BitrixChangeLine: Sendable, Hashable, Codable {
    /// The discrepancy kind (`order.field`).
    public var kind: String
    /// The Bitrix entity (`order`, `product`).
    public var entity: String
    /// The Bitrix record's key (product id, Bitrix order id).
    public var key: String
    /// The field, for a field change.
    public var field: String?
    /// The item (an order line's product), for a change of one item.
    public var item: String?
    /// The catalog row's id, when the record has one there.
    public var catalogID: Int64?
    /// The value in Bitrix as dumped, `nil` for none.
    public var bitrix: String?
    /// The catalog's value (what Bitrix should take), `nil` for none.
    public var catalog: String?
    /// The probable cause's code (`delivery_fee_dropped`).
    public var cause: String
    /// The probable cause in words.
    public var probableCause: String

    /// The line of `change`, its cause looked up in `causes`.
    /// - Parameters:
    ///   - change: A change the catalog wins.
    ///   - causes: The cause table.
    public init(_ change: Change, causes: CauseRules) {
        let cause = causes.cause(for: change.evidence)
        kind = change.kind.rawValue
        entity = change.kind.entity
        key = change.key
        field = change.field
        item = change.item
        catalogID = change.catalogID
        bitrix = change.bitrix.raw
        catalog = change.catalog.raw
        self.cause = cause.code
        probableCause = cause.text
    }

    enum CodingKeys: String, CodingKey {
        case kind, entity, key, field, item, catalogID = "catalog_id", bitrix, catalog, cause
        case probableCause = "probable_cause"
    }

    /// Writes every key, with `bitrix` and `catalog` as `null` when absent and the other optionals left out.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(entity, forKey: .entity)
        try container.encode(key, forKey: .key)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encodeIfPresent(item, forKey: .item)
        try container.encodeIfPresent(catalogID, forKey: .catalogID)
        try container.encode(bitrix, forKey: .bitrix)
        try container.encode(catalog, forKey: .catalog)
        try container.encode(cause, forKey: .cause)
        try container.encode(probableCause, forKey: .probableCause)
    }
}
