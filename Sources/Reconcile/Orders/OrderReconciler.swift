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
        compare(
            bitrix: bitrix, catalog: catalog, existence: existence, partial: partial, links: links,
            lanes: ShopLanes([configuration.scope]))[0]
    }

    /// Compares the two sides once for every lane: each lane's result is what
    /// ``compare(bitrix:catalog:existence:partial:links:)`` gives with that lane's scope (the same changes in
    /// the same order, the same counts). Which catalog orders are claimed does not depend on the scope, so
    /// the orphans are found once for all lanes.
    /// - Parameters:
    ///   - bitrix: Bitrix orders in scope, in id order.
    ///   - catalog: Catalog orders of every shop, in id order.
    ///   - existence: What exists at all on each side.
    ///   - partial: The dump is truncated: no orphan and no dangling reference is reported.
    ///   - links: `catalog`'s links when already indexed; `nil` indexes them here.
    ///   - lanes: The runs the pass stands for (one shop each in a fleet).
    /// - Returns: One result per lane, in lane order.
    func compare(
        bitrix: [CanonicalOrder], catalog: [CatalogOrder], existence: Existence, partial: Bool, links: Links?,
        lanes: ShopLanes
    ) -> [Result] {
        let left = Ordered.byBitrixID(bitrix)
        let right = Ordered.byCatalogID(catalog)
        var results = [Result](repeating: Result(), count: lanes.count)
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
        // Fields are read in place: an order is copied (its strings and lines retained) only when a lane
        // reports it, so a fleet's shops do not each copy every order.
        for k in right.indices {
            if let lane = lanes.lane(of: right[k].order.shopID) { results[lane].catalogCount += 1 }
        }
        var matched = [Bool](repeating: false, count: right.count)

        for bi in left.indices {
            guard let bitrixID = left[bi].bitrixID else { continue }
            let linked = links[bitrixID] ?? []
            for k in linked { matched[k] = true }
            // The order's shop: its `shopId` property, or the linked catalog order's shop where the property
            // names no shop of the fleet. Matching ignores shops; only the lanes' shops are reported.
            let catalogID = left[bi].catalogID
            // A railway order whose catalog order is unlinked claims it, whoever reports it.
            var unlinked: Int?
            if linked.isEmpty, let n = catalogID, let k = position(n), right[k].order.bitrixID == nil {
                matched[k] = true
                unlinked = k
            }
            let linkedShop = (linked.first ?? catalogID.flatMap(position)).flatMap { right[$0].order.shopID }
            lanes.reporting(bitrix: left[bi].shopID, catalog: linkedShop) { lane, owner in
                let first = results[lane].changes.count
                compareOne(
                    left[bi], bitrixID: bitrixID, linked: linked, unlinked: unlinked, position: position,
                    right: right, existence: existence, partial: partial, into: &results[lane])
                for n in first..<results[lane].changes.count { results[lane].changes[n].shop = owner }
            }
        }

        for k in right.indices where !matched[k] {
            guard let lane = lanes.lane(of: right[k].order.shopID) else { continue }
            let c = right[k]
            guard let id = c.order.catalogID else { continue }
            let first = results[lane].changes.count
            defer { for n in first..<results[lane].changes.count { results[lane].changes[n].shop = c.order.shopID } }
            if let bitrixID = c.order.bitrixID {
                guard !existence.bitrixOrders.contains(bitrixID) else { continue }
                if partial { results[lane].withheld += 1; continue }
                results[lane].changes.append(
                    Change(
                        kind: .orderOrphan, key: String(bitrixID), catalog: ChangeValue(String(id)),
                        rule: "exists.order",
                        evidence: .bitrixOrderDeleted, action: .report, catalogID: id))
            } else {
                if partial { results[lane].withheld += 1; continue }
                results[lane].changes.append(
                    Change(
                        kind: .orderOrphan, key: "catalog:\(id)", catalog: ChangeValue(String(id)), rule: "link.xml_id",
                        evidence: .orderNeverPushed, action: .report, catalogID: id))
            }
        }
        return results
    }

    /// One reported Bitrix order: its link findings, dangling references, and its fields against the catalog
    /// order it is linked to.
    /// - Parameters:
    ///   - b: The Bitrix order.
    ///   - bitrixID: Its id.
    ///   - linked: The positions of the catalog orders carrying its id.
    ///   - unlinked: The position of the unlinked catalog order its `railway-N` names, when `linked` is empty.
    ///   - position: Catalog id → position in `right`.
    ///   - right: The catalog orders in catalog id order.
    ///   - existence: What exists at all on each side.
    ///   - partial: Whether dangling references are withheld.
    ///   - result: The lane's result, which receives the changes and counts.
    private func compareOne(
        _ b: CanonicalOrder, bitrixID: Int64, linked: [Int], unlinked: Int?, position: (Int64) -> Int?,
        right: [CatalogOrder], existence: Existence, partial: Bool, into result: inout Result
    ) {
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
            if let k = unlinked {
                primary = k
                result.changes.append(
                    Change(
                        kind: .orderLinkMissing, key: key, field: "bitrix_order_id", bitrix: ChangeValue(key),
                        catalog: .absent, rule: "link.xml_id", evidence: .linkNeverSet, action: .backfillLink,
                        catalogID: n))
            } else if position(n) == nil {
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
                        kind: .orderDanglingProduct, key: key, field: "product_id", item: id, bitrix: ChangeValue(id),
                        rule: "exists.product", evidence: .productGone, action: .report))
            }
        }
        guard let k = primary else { return }
        result.matched += 1
        compareFields(b, right[k], key: key, into: &result)
        if let user = b.userID, !existence.bitrixUsers.contains(user), !partial {
            result.changes.append(
                Change(
                    kind: .orderDanglingCustomer, key: key, field: "USER_ID", bitrix: ChangeValue(String(user)),
                    rule: "exists.user", evidence: .userDeleted, action: .report))
        }
    }
}
