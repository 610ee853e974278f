public import BackstopModel
public import BackstopExtract
public import BackstopReconcile

/// What the catalog looked like when the compared rows were read: the versions of the rows a plan may
/// write (same snapshot) and the facts a step is checked against.
public struct CatalogState: Sendable {
    /// Row versions of the shop's products and orders.
    public var versions: CatalogVersions
    /// Fingerprint, enum labels, column lengths.
    public var facts: CatalogFacts

    /// The state read in the extract's snapshot: versions from `CatalogReader.versions(shopID:)` (this
    /// module), facts from `CatalogReader.facts()` (BackstopExtract).
    public init(versions: CatalogVersions, facts: CatalogFacts) {
        self.versions = versions
        self.facts = facts
    }
}

/// A plan and what planning decided for every change.
public struct MergePlanning: Sendable {
    /// The plan (no id yet: the store assigns it).
    public var plan: MergePlan
    /// Every change with its final action: a write, `bitrix_change`, `report`, or `skip` when the write
    /// cannot be applied as it stands.
    public var changes: [Change]
    /// The changes the catalog wins (`bitrix_changes.ndjson`).
    public var bitrixChanges: [Change] { changes.filter { $0.action == .bitrixChange } }
}

/// Turns a reconciliation's changes into a `MergePlan`: the configured ``MergePolicy`` decides who wins,
/// each catalog write becomes a step (one per row and phase, naming the findings it resolves) planned
/// against the row's version, steps go in dependency order (`PlanPhase`), and a write that cannot be
/// applied as it stands (a name longer than the column, a status label the catalog's enum lacks) becomes
/// a `skip` with its reason instead of a silent truncation.
///
/// Pure: the same result, input and catalog state give the same steps in the same order, so a plan can
/// be reviewed, stored and applied later. Steps of one row and phase are merged (a name and a price change
/// of one product are one `UPDATE`), and the plan's invariants are checked when
/// `BACKSTOP_INTERNAL_CHECKS` is defined at compile time.
///
/// ```swift
/// let planner = MergePlanner(shopID: 17008, policy: try MergePolicy())
/// let planning = planner.plan(result, input: input, catalog: CatalogState(versions: versions, facts: facts))
/// planning.plan.steps.first   // phase products, action insert, product 1042, resolves ["product.missing"]
/// ```
public struct MergePlanner: Sendable {
    /// The shop the plan writes.
    public var shopID: Int64
    /// Who wins, per kind.
    public var policy: MergePolicy
    /// How far past the highest Bitrix element id the product sequence is advanced.
    public var sequenceHeadroom: Int64

    /// A planner for one shop.
    /// - Parameters:
    ///   - shopID: The only shop whose rows the plan may write (`shop_id` of inserted products).
    ///   - policy: Who wins, per kind and field.
    ///   - sequenceHeadroom: Ids left free above the highest Bitrix element id when the product sequence
    ///     is advanced (`merge.sequence_headroom`), so elements Bitrix creates next do not collide again.
    public init(shopID: Int64, policy: MergePolicy, sequenceHeadroom: Int64 = 1_000_000) {
        self.shopID = shopID
        self.policy = policy
        self.sequenceHeadroom = sequenceHeadroom
    }

    /// Plans the writes for `result`'s changes.
    ///
    /// - Parameters:
    ///   - result: the reconciliation.
    ///   - input: what it compared (the Bitrix values a step writes come from here, typed).
    ///   - catalog: row versions from the extract's snapshot and the catalog's facts.
    /// - Returns: the plan (not yet stored) and every change with its final action.
    /// - Complexity: O(n log n) in the number of changes, plus one pass over the compared rows.
    public func plan(_ result: ReconcileResult, input: ReconcileInput, catalog: CatalogState) -> MergePlanning {
        let context = Context(
            planner: self, input: input, catalog: catalog, keys: Set(result.changes.compactMap { Int64($0.key) }))
        var changes = result.changes
        for i in changes.indices { changes[i].action = policy.action(for: changes[i]) }
        var drafts: [Draft] = []
        var byRow: [String: Int] = [:]
        for (i, change) in changes.enumerated() {
            guard let step = context.step(for: change) else { continue }
            let row = "\(step.phase.rawValue) \(step.entity) \(step.target.map(String.init) ?? step.key)"
            if let existing = byRow[row] {
                drafts[existing].merge(step, change: i)
            } else {
                byRow[row] = drafts.count
                drafts.append(Draft(step: step, changes: [i]))
            }
        }
        var steps: [PlanStep] = []
        for draft in drafts {
            for step in context.checked(draft.step) {
                let indices = draft.changes.filter { step.resolves.contains(Self.resolveName(changes[$0])) }
                if step.action == .skip { for i in indices { changes[i].action = .skip } }
                steps.append(step)
            }
        }
        steps.sort { a, b in
            if a.phase != b.phase { return a.phase < b.phase }
            if (a.action == .skip) != (b.action == .skip) { return b.action == .skip }
            if a.action != b.action { return a.action < b.action }
            if a.target != b.target { return (a.target ?? 0) < (b.target ?? 0) }
            return a.key < b.key
        }
        for i in steps.indices { steps[i].seq = i + 1 }
        let plan = MergePlan(
            shopID: shopID, fingerprint: catalog.facts.fingerprint, endpoint: catalog.facts.endpoint,
            snapshot: result.snapshot.text, partial: input.partial, policy: policy.table,
            base: MergePlan.Base(
                products: input.catalogProducts.count { $0.shopID == shopID },
                orders: input.catalogOrders.count { $0.order.shopID == shopID }),
            bitrixChanges: changes.count { $0.action == .bitrixChange },
            reported: changes.count { $0.action == .report }, steps: steps)
        plan._checkInvariants()
        return MergePlanning(plan: plan, changes: changes)
    }

    /// How a step names a change it resolves: `kind` or `kind field`.
    static func resolveName(_ change: Change) -> String {
        change.field.map { "\(change.kind.rawValue) \($0)" } ?? change.kind.rawValue
    }

    /// A step being assembled from the changes of one row and phase.
    struct Draft {
        /// The merged step.
        var step: PlanStep
        /// Indices of the changes folded into it.
        var changes: [Int]

        /// Folds another change's step for the same row and phase into this one (its columns and findings).
        mutating func merge(_ other: PlanStep, change: Int) {
            step.set.merge(other.set) { _, new in new }
            step.was.merge(other.was) { _, new in new }
            step.resolves.append(contentsOf: other.resolves)
            changes.append(change)
        }
    }
}
