public import BackstopModel

/// The checks a plan passes before anything is written. Partial input, another catalog and a run that did not
/// complete (checked by the apply job against the ledger) always refuse;
/// the shares of soft deletes and updates refuse unless forced (`--force` overrides thresholds, never the
/// partial-input rule or the fingerprint).
///
/// The valve guards against the one failure a reconciler cannot see from inside: input that is wrong as
/// a whole (a dump of another site, a half-restored catalog, a filter that dropped most products) makes
/// every row look changed. A plan that would take more than 5 % of a shop offline is far more likely to
/// be such a mistake than a real day's drift, so it waits for a person.
///
/// ```swift
/// let refusals = SafetyValve().check(plan, fingerprint: try reader.fingerprint())
/// if refusals.contains(where: { !$0.isOverridable }) { /* exit 4, nothing written */ }
/// ```
public struct SafetyValve: Sendable, Hashable {
    /// The most soft deletes (products taken offline: `soft_delete`, or `enabled = false`) a plan may hold,
    /// as a share of the shop's products.
    public var maxSoftDeleteShare: Double
    /// The most updated rows a plan may hold, as a share of the shop's products, and of its orders.
    public var maxUpdateShare: Double

    /// A valve with the given limits (`merge.max_soft_delete_share`, `merge.max_update_share`); the defaults
    /// are 5 %.
    public init(maxSoftDeleteShare: Double = 0.05, maxUpdateShare: Double = 0.05) {
        self.maxSoftDeleteShare = maxSoftDeleteShare
        self.maxUpdateShare = maxUpdateShare
    }

    /// Why a plan is refused.
    public struct Refusal: Sendable, Hashable, CustomStringConvertible {
        /// The stable code (for scripts and the run record).
        public enum Code: String, Sendable, Hashable, CaseIterable {
            /// The plan was made from a truncated dump: absence proves nothing there. Never overridable.
            case partialInput = "partial_input"
            /// The plan was made against another catalog. Never overridable.
            case otherCatalog = "other_catalog"
            /// The plan's run did not complete (failed, stopped, abandoned, timed out, partial, still running)
            /// or is not in this catalog's ledger: its plan may be missing steps or built on half-read input.
            /// Never overridable.
            case incompleteRun = "incomplete_run"
            /// More soft deletes than the threshold. `--force` overrides.
            case softDeleteThreshold = "soft_delete_threshold"
            /// More updated rows than the threshold. `--force` overrides.
            case updateThreshold = "update_threshold"
        }

        /// The stable code: decides whether `--force` may override it (``isOverridable``).
        public var code: Code
        /// What and why, for people.
        public var message: String

        /// A refusal with a message that says what to do about it.
        public init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }

        /// Whether `--force` overrides it (the thresholds only).
        public var isOverridable: Bool { code == .softDeleteThreshold || code == .updateThreshold }

        /// `code: message`.
        public var description: String { "\(code.rawValue): \(message)" }
    }

    /// What the plan would do, measured as the thresholds measure it.
    public struct Measure: Sendable, Hashable {
        /// Products taken offline.
        public var softDeletes: Int
        /// Products updated (columns or image rows).
        public var productUpdates: Int
        /// Orders updated (status or link).
        public var orderUpdates: Int
    }

    /// Counts the plan's still-pending writes that the thresholds limit.
    ///
    /// Rows are counted once whatever their number of steps; a product that is both updated and taken
    /// offline counts as offline only. `skip` steps write nothing and are not counted.
    /// - Parameter plan: The plan (or its pending rest, when an apply resumes).
    /// - Returns: Distinct products taken offline, other products updated, orders updated.
    public static func measure(_ plan: MergePlan) -> Measure {
        var offline = Set<Int64>()
        var products = Set<Int64>()
        var orders = Set<Int64>()
        for step in plan.steps where step.action != .skip {
            guard let target = step.target else { continue }
            switch (step.entity, step.action) {
            case ("product", .softDelete): offline.insert(target)
            case ("product", .update):
                if step.set["enabled"] == .bool(false) { offline.insert(target) } else { products.insert(target) }
            case ("productimage", _): products.insert(target)
            case ("order", _): orders.insert(target)
            default: break
            }
        }
        return Measure(
            softDeletes: offline.count, productUpdates: products.subtracting(offline).count, orderUpdates: orders.count)
    }

    /// Every reason to refuse `plan` on the catalog whose fingerprint is `fingerprint` (empty: apply).
    ///
    /// Shares are taken of the shop's size when the plan was made (`MergePlan.base`); a shop with no
    /// products and a plan with any soft delete is "all" and refused.
    /// - Parameters:
    ///   - plan: The plan to apply.
    ///   - fingerprint: The fingerprint of the catalog it would be applied to.
    /// - Returns: The refusals, in the order checked; the run-completeness check is the apply job's.
    public func check(_ plan: MergePlan, fingerprint: String) -> [Refusal] {
        var refusals: [Refusal] = []
        if plan.partial {
            refusals.append(
                Refusal(
                    .partialInput,
                    "the plan was made from partial input (a truncated dump read with --allow-partial): rows missing from it "
                        + "would read as deleted; re-run on a complete dump"))
        }
        if plan.fingerprint != fingerprint {
            refusals.append(
                Refusal(
                    .otherCatalog,
                    "the plan was made against catalog \(plan.fingerprint) (\(plan.endpoint)), this is \(fingerprint); "
                        + "plan again against this catalog"))
        }
        let measure = Self.measure(plan)
        func share(_ count: Int, of base: Int) -> Double {
            base > 0 ? Double(count) / Double(base) : (count > 0 ? .infinity : 0)
        }
        func percent(_ value: Double) -> String {
            guard value.isFinite else { return "all" }
            let tenths = Int((value * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10) %"
        }
        let offline = share(measure.softDeletes, of: plan.base.products)
        if offline > maxSoftDeleteShare {
            refusals.append(
                Refusal(
                    .softDeleteThreshold,
                    "\(measure.softDeletes) of shop \(plan.shopID)'s \(plan.base.products) products would be taken offline "
                        + "(\(percent(offline)); limit \(percent(maxSoftDeleteShare)), merge.max_soft_delete_share); "
                        + "check the dump, then --force"))
        }
        let products = share(measure.productUpdates, of: plan.base.products)
        if products > maxUpdateShare {
            refusals.append(
                Refusal(
                    .updateThreshold,
                    "\(measure.productUpdates) of shop \(plan.shopID)'s \(plan.base.products) products would be updated "
                        + "(\(percent(products)); limit \(percent(maxUpdateShare)), merge.max_update_share); review the plan, then --force"
                ))
        }
        let orders = share(measure.orderUpdates, of: plan.base.orders)
        if orders > maxUpdateShare {
            refusals.append(
                Refusal(
                    .updateThreshold,
                    "\(measure.orderUpdates) of shop \(plan.shopID)'s \(plan.base.orders) orders would be updated "
                        + "(\(percent(orders)); limit \(percent(maxUpdateShare)), merge.max_update_share); review the plan, then --force"
                ))
        }
        return refusals
    }
}
