public import BackstopModel
public import BackstopExtract

/// Compares Bitrix orders with catalog orders. Bitrix orders are keyed by their id and linked to catalog
/// orders through `"order".bitrix_order_id`, or through `XML_ID = 'railway-N'` (catalog order N) where
/// the link was never written.
///
/// Linking a Bitrix order, in this order:
/// 1. Several catalog orders carry its id: `order.link_duplicate`; the one `railway-N` names (else the
///    first) is compared.
/// 2. One catalog order carries its id: that one is compared.
/// 3. None, but `railway-N` names an unlinked catalog order N: `order.link_missing` (the plan back-fills
///    the link) and N is compared.
/// 4. `railway-N` names no catalog order: `order.missing`.
///
/// A compared pair gets status, money, contact and line findings (`order.status`, `order.field`,
/// `order.item_*`). Catalog orders no Bitrix order claimed are `order.orphan`: keyed by the Bitrix id when
/// their link points at a deleted order, `catalog:<id>` when they never had one. Existence findings
/// (orphans, dangling products and customers) are withheld on partial input.
public struct OrderReconciler: Sendable {
    /// The shop, the status map.
    public var configuration: ReconcileConfiguration

    /// A comparison for one configuration (run shops, status map).
    public init(configuration: ReconcileConfiguration) { self.configuration = configuration }

    /// What exists on each side, for the existence rules (gone, dangling).
    public struct Existence: Sendable {
        /// Every `b_sale_order.ID` in the dump.
        public var bitrixOrders: IDSet
        /// Every `b_iblock_element.ID` in the dump.
        public var bitrixElements: IDSet
        /// Every `b_user.ID` in the dump.
        public var bitrixUsers: IDSet
        /// Every catalog product id (all shops).
        public var catalogProducts: IDSet

        /// Gathers the id sets; the Bitrix ones come from the whole dump (`BitrixSnapshot`), not just
        /// the orders in scope, so "gone" means gone from Bitrix.
        public init(bitrixOrders: IDSet, bitrixElements: IDSet, bitrixUsers: IDSet, catalogProducts: IDSet) {
            self.bitrixOrders = bitrixOrders
            self.bitrixElements = bitrixElements
            self.bitrixUsers = bitrixUsers
            self.catalogProducts = catalogProducts
        }
    }

    /// The result of an order comparison.
    public struct Result: Sendable {
        /// Every change.
        public var changes: [Change] = []
        /// Bitrix orders of the shop compared.
        public var bitrixCount = 0
        /// Catalog orders of the shop read.
        public var catalogCount = 0
        /// Pairs compared field by field.
        public var matched = 0
        /// Absence-based findings (orphans, dangling references) withheld because the dump is partial.
        public var withheld = 0
    }

    /// Compares the two sides.
    ///
    /// - Parameters:
    ///   - bitrix: Bitrix orders in scope (railway-created or linked from the catalog), in id order.
    ///   - catalog: catalog orders of every shop, in id order.
    ///   - existence: what exists at all on each side.
    ///   - partial: the dump is truncated: no orphan and no dangling reference is reported.
    ///   - links: `catalog`'s links when already indexed (a fleet's shops share them); `nil` indexes them here.
    /// - Returns: every change, with the counts of orders read and matched.
    public func compare(
        bitrix: [CanonicalOrder], catalog: [CatalogOrder], existence: Existence, partial: Bool, links: Links? = nil
    ) -> Result {
        let scope = configuration.scope
        let left = Ordered.byBitrixID(bitrix)
        let right = Ordered.byCatalogID(catalog)
        var result = Result()
        // Catalog id → position: `right` is in catalog id order, so a binary search (the last order of an id,
        // as a dictionary filled in order would keep) instead of a dictionary rebuilt for each shop of a fleet.
        func position(_ id: Int64) -> Int? {
            let end =
                id == .max
                ? right.count
                : SortedSearch.lowerBound(of: id + 1, count: right.count) { right[$0].order.catalogID ?? 0 }
            return end > 0 && right[end - 1].order.catalogID == id ? end - 1 : nil
        }
        let links = (links ?? Links(ordered: right)).positions
        // Fields are read in place: an order is copied (its strings and lines retained) only when this run
        // reports it, so a fleet's shops do not each copy every order.
        for k in right.indices where scope.reports(right[k].order.shopID) { result.catalogCount += 1 }
        var matched = [Bool](repeating: false, count: right.count)

        for bi in left.indices {
            guard let bitrixID = left[bi].bitrixID else { continue }
            let linked = links[bitrixID] ?? []
            for k in linked { matched[k] = true }
            // The order's shop: its `shopId` property, or the linked catalog order's shop where the property
            // names no shop of the fleet. Matching ignores shops; only this run's shops are reported.
            let catalogID = left[bi].catalogID
            let linkedShop = (linked.first ?? catalogID.flatMap(position)).flatMap { right[$0].order.shopID }
            let owner = scope.owner(bitrix: left[bi].shopID, catalog: linkedShop)
            guard scope.reports(owner) else {
                // A railway order whose catalog order is unlinked is still claimed, whoever reports it.
                if linked.isEmpty, let n = catalogID, let k = position(n), right[k].order.bitrixID == nil {
                    matched[k] = true
                }
                continue
            }
            let b = left[bi]
            let first = result.changes.count
            defer { for k in first..<result.changes.count { result.changes[k].shop = owner } }
            result.bitrixCount += 1
            let key = String(bitrixID)
            var primary: Int?
            if linked.count > 1 {
                let ids = linked.compactMap { right[$0].order.catalogID }
                result.changes.append(
                    Change(
                        kind: .orderLinkDuplicate, key: key, field: "bitrix_order_id", bitrix: ChangeValue(key),
                        catalog: ChangeValue(ids.map(String.init).joined(separator: ",")), rule: "link.bitrix_order_id",
                        evidence: .orderCreatedTwice, action: .report))
                primary = linked.first { right[$0].order.catalogID == b.catalogID } ?? linked.first
            } else if let only = linked.first {
                primary = only
            } else if let n = b.catalogID {
                if let k = position(n) {
                    if right[k].order.bitrixID == nil {
                        matched[k] = true
                        primary = k
                        result.changes.append(
                            Change(
                                kind: .orderLinkMissing, key: key, field: "bitrix_order_id", bitrix: ChangeValue(key),
                                catalog: .absent, rule: "link.xml_id", evidence: .linkNeverSet, action: .backfillLink,
                                catalogID: n))
                    }
                } else {
                    result.changes.append(
                        Change(
                            kind: .orderMissing, key: key, bitrix: ChangeValue("railway-\(n)"), rule: "link.xml_id",
                            evidence: .orderNotCreated, action: .report))
                }
            }
            if partial {
                result.withheld += 1
            } else {
                var seen = Set<Int64>()
                for line in b.items
                where !existence.bitrixElements.contains(line.productID)
                    && !existence.catalogProducts.contains(line.productID)
                    && seen.insert(line.productID).inserted
                {
                    let id = String(line.productID)
                    result.changes.append(
                        Change(
                            kind: .orderDanglingProduct, key: key, field: "product_id", item: id,
                            bitrix: ChangeValue(id),
                            rule: "exists.product", evidence: .productGone, action: .report))
                }
            }
            guard let k = primary else { continue }
            result.matched += 1
            compareFields(b, right[k], key: key, into: &result)
            if let user = b.userID, !existence.bitrixUsers.contains(user), !partial {
                result.changes.append(
                    Change(
                        kind: .orderDanglingCustomer, key: key, field: "USER_ID", bitrix: ChangeValue(String(user)),
                        rule: "exists.user", evidence: .userDeleted, action: .report))
            }
        }

        for (k, c) in right.enumerated() where !matched[k] && scope.reports(c.order.shopID) {
            guard let id = c.order.catalogID else { continue }
            let first = result.changes.count
            defer { for k in first..<result.changes.count { result.changes[k].shop = c.order.shopID } }
            if let bitrixID = c.order.bitrixID {
                guard !existence.bitrixOrders.contains(bitrixID) else { continue }
                if partial { result.withheld += 1; continue }
                result.changes.append(
                    Change(
                        kind: .orderOrphan, key: String(bitrixID), catalog: ChangeValue(String(id)),
                        rule: "exists.order",
                        evidence: .bitrixOrderDeleted, action: .report, catalogID: id))
            } else {
                if partial { result.withheld += 1; continue }
                result.changes.append(
                    Change(
                        kind: .orderOrphan, key: "catalog:\(id)", catalog: ChangeValue(String(id)), rule: "link.xml_id",
                        evidence: .orderNeverPushed, action: .report, catalogID: id))
            }
        }
        return result
    }
}
