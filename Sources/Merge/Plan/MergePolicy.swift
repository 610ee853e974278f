import BackstopModel
public import BackstopReconcile

/// Who wins a conflict, per kind (and, for field kinds, per field), with upstream's safe defaults: Bitrix
/// wins for products, prices, activity and order status; the catalog wins for catalog-native rows and
/// catalog-edited order fields (a Bitrix-side change, never a catalog write); `report` only for id
/// collisions, dangling references, unmapped statuses and anything that would touch another shop's rows,
/// and those cannot be configured otherwise. Never a hard delete, never a row of another shop.
///
/// Selectors are a kind (`order.field`) or a kind and field (`product.field.price`); the most specific wins.
///
/// Configured in `backstop.toml` under `[merge.policy]`; every override is validated when the policy is
/// built, so a typo or an unsafe choice fails at start-up with the selector named, not half-way through
/// a plan.
///
/// ```swift
/// let policy = try MergePolicy(overrides: ["product.field.price": "report", "product.field.width": "bitrix"])
/// policy.resolution(for: priceChange)      // .report: prices are reviewed by hand
/// try MergePolicy(overrides: ["product.id_collision": "bitrix"])   // throws: always report
/// ```
public struct MergePolicy: Sendable, Hashable {
    /// What a selector resolves to.
    public enum Resolution: String, Sendable, Hashable, CaseIterable {
        /// Bitrix wins: the catalog is written.
        case bitrix
        /// The catalog wins: a change for the Bitrix side (`bitrix_changes.ndjson`).
        case catalog
        /// Nothing is written anywhere; a person decides.
        case report
    }

    /// The effective table: every selector → its resolution (defaults overlaid with the configuration).
    public private(set) var rules: [String: Resolution]

    /// The safe defaults (README § Merge).
    public static let defaults: [String: Resolution] = [
        "product.missing": .bitrix, "product.orphan": .bitrix, "product.images_missing": .bitrix,
        "product.field.name": .bitrix, "product.field.price": .bitrix, "product.field.enabled": .bitrix,
        "product.field.image": .bitrix, "product.field.images": .bitrix,
        "product.field.width": .report, "product.field.height": .report,
        "product.shop": .report, "product.id_collision": .report,
        "order.status": .bitrix, "order.link_missing": .bitrix, "sequence.collision_risk": .bitrix,
        "order.field": .catalog, "order.item_missing": .catalog, "order.item_extra": .catalog,
        "order.item_field": .catalog, "order.orphan": .catalog,
        "order.missing": .report, "order.link_duplicate": .report, "order.status_unmapped": .report,
        "order.dangling_product": .report, "order.dangling_customer": .report,
        "embedding.missing": .report, "embedding.stale": .report, "embedding.orphan": .report,
        "image.unreachable": .report, "image.duplicate": .report,
    ]

    /// Selectors Backstop can write the catalog for (`bitrix` allowed).
    static let writable: Set<String> = [
        "product.missing", "product.orphan", "product.images_missing", "product.field.name", "product.field.price",
        "product.field.enabled", "product.field.image", "product.field.images", "product.field.width",
        "product.field.height", "order.status", "order.link_missing", "sequence.collision_risk",
    ]

    /// Selectors that are always `report`: id collisions, dangling references, unmapped statuses, rows of
    /// another shop.
    static let pinned: Set<String> = [
        "product.shop", "product.id_collision", "order.missing", "order.link_duplicate", "order.status_unmapped",
        "order.dangling_product", "order.dangling_customer",
    ]

    /// The defaults overlaid with `overrides` (selector → `bitrix`, `catalog` or `report`).
    ///
    /// A kind-wide override (`order.field = "report"`) also covers that kind's field selectors that are
    /// not overridden themselves, except where `bitrix` is not writable for a field.
    /// - Parameter overrides: Selector → resolution text, as read from the configuration.
    /// - Throws: ``MergeError`` naming the selector when it is unknown, the resolution is not one of the
    ///   three, Backstop cannot write what `bitrix` asks for, or the selector is always `report`.
    public init(overrides: [String: String] = [:]) throws(MergeError) {
        var rules = Self.defaults
        for (selector, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let resolution = Resolution(rawValue: value) else {
                throw MergeError(
                    .configuration, "must be bitrix, catalog or report, found \(value)", entity: "merge.policy",
                    key: selector)
            }
            guard Self.isKnown(selector) else {
                throw MergeError(
                    .configuration,
                    "unknown selector (a kind such as order.field, or kind.field such as product.field.price)",
                    entity: "merge.policy", key: selector)
            }
            if Self.pinned.contains(selector) && resolution != .report {
                throw MergeError(
                    .configuration,
                    "is always report (id collisions, dangling references, unmapped statuses, other shops' rows)",
                    entity: "merge.policy", key: selector)
            }
            if resolution == .bitrix && !Self.writable.contains(selector) {
                throw MergeError(
                    .configuration, "cannot be bitrix: Backstop does not write that to the catalog",
                    entity: "merge.policy",
                    key: selector)
            }
            if resolution != .report && (selector.hasPrefix("embedding.") || selector.hasPrefix("image.")) {
                throw MergeError(
                    .configuration, "is the index stage's and always report", entity: "merge.policy", key: selector)
            }
            rules[selector] = resolution
            // A kind-wide override also covers the kind's field selectors (order.field → every order field).
            for key in rules.keys where key.hasPrefix(selector + ".") && overrides[key] == nil {
                if resolution != .bitrix || Self.writable.contains(key) { rules[key] = resolution }
            }
        }
        self.rules = rules
    }

    /// Whether `selector` names a kind or a kind's field.
    static func isKnown(_ selector: String) -> Bool {
        if defaults[selector] != nil || DiscrepancyKind(rawValue: selector) != nil { return true }
        let parts = selector.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, let kind = DiscrepancyKind(rawValue: parts[0] + "." + parts[1]) else { return false }
        return kind == .orderField || kind == .orderItemField || kind == .productField
    }

    /// The resolution for a change: its `kind.field` selector, else its kind's, else `report`.
    /// - Parameter change: A change from the reconciler.
    /// - Returns: Who wins for it.
    public func resolution(for change: Change) -> Resolution {
        if let field = change.field, let rule = rules[change.kind.rawValue + "." + field] { return rule }
        return rules[change.kind.rawValue] ?? .report
    }

    /// The action a change gets under this policy (before planning checks whether it can be applied).
    ///
    /// `bitrix` becomes the write that makes the catalog match (insert, soft delete, update, …), `catalog`
    /// a Bitrix-side change, `report` nothing.
    /// - Parameter change: A change from the reconciler.
    /// - Returns: The planned action.
    public func action(for change: Change) -> ChangeAction {
        switch resolution(for: change) {
        case .report: return .report
        case .catalog: return .bitrixChange
        case .bitrix:
            switch change.kind {
            case .productMissing: return .insert
            case .productOrphan: return .softDelete
            case .productImagesMissing: return .insertImages
            case .orderStatus: return .updateStatus
            case .orderLinkMissing: return .backfillLink
            case .sequenceCollisionRisk: return .advanceSequence
            case .productField where Self.writable.contains("product.field." + (change.field ?? "")): return .update
            default: return .report
            }
        }
    }

    /// The table as text (selector → resolution), for the plan and the run record.
    public var table: [String: String] { rules.mapValues(\.rawValue) }
}
