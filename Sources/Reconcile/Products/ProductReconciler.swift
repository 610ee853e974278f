public import BackstopModel

/// Compares Bitrix products with catalog products by preserved id, as a merge join over both sides in id
/// order (inputs that arrive ordered are not re-sorted), and returns typed changes plus the counts of the
/// webhook path's systematic losses.
///
/// Per id, exactly one of these applies:
/// 1. Only Bitrix has it, enabled: `product.missing` (a disabled element is no finding).
/// 2. Only the catalog has it, enabled: `product.orphan`, or withheld when the dump is partial.
/// 3. Both, names differ and the catalog row is older or in another seller's shop: `product.id_collision`
///    and nothing else (the fields of two different products are not compared).
/// 4. Both, in different shops: `product.shop` and nothing else.
/// 5. Both, same shop: one `product.field` per differing field (`name`, `price`, `enabled`, `images` or
///    `product.images_missing`, `image`, `width`, `height`); type, description, created-at and vitrina
///    dimensions count as systematic losses instead.
public struct ProductReconciler: Sendable {
    /// The shop and the webhook's shop.
    public var configuration: ReconcileConfiguration

    /// A comparison for one configuration (run shops, webhook shop).
    public init(configuration: ReconcileConfiguration) { self.configuration = configuration }

    /// The result of a product comparison.
    public struct Result: Sendable {
        /// Every per-product change.
        public var changes: [Change] = []
        /// Systematic losses, counted once per field.
        public var systematic = SystematicCounts()
        /// Bitrix products of the run's shops compared (enabled or not).
        public var bitrixCount = 0
        /// Catalog products (all shops) read.
        public var catalogCount = 0
        /// Ids present on both sides.
        public var matched = 0
        /// Orphan candidates withheld because the dump is partial.
        public var withheldOrphans = 0
    }

    /// Compares the two sides.
    ///
    /// - Parameters:
    ///   - bitrix: products from the dump, all sellers (in id order when they come from the Bitrix model).
    ///   - catalog: products from the catalog, all shops (in id order when they come from the reader).
    ///   - partial: the dump is truncated: absence proves nothing, so no orphans are reported.
    /// - Returns: every change, the systematic losses, and the counts of products read and matched.
    /// - Complexity: O(n + m) for ordered input; O(n log n) when an input has to be sorted first.
    public func compare(bitrix: [CanonicalProduct], catalog: [CanonicalProduct], partial: Bool) -> Result {
        compare(bitrix: bitrix, catalog: catalog, partial: partial, lanes: ShopLanes([configuration.scope]))[0]
    }

    /// Compares the two sides once for every lane: each lane's result is what ``compare(bitrix:catalog:partial:)``
    /// gives with that lane's scope (the same changes in the same order, the same counts).
    /// - Parameters:
    ///   - bitrix: Products from the dump, all sellers.
    ///   - catalog: Products from the catalog, all shops.
    ///   - partial: The dump is truncated: no orphans are reported.
    ///   - lanes: The runs the pass stands for (one shop each in a fleet).
    /// - Returns: One result per lane, in lane order.
    func compare(bitrix: [CanonicalProduct], catalog: [CanonicalProduct], partial: Bool, lanes: ShopLanes) -> [Result] {
        let left = Ordered.byID(bitrix)
        let right = Ordered.byID(catalog)
        var results = [Result](repeating: Result(), count: lanes.count)
        var matched = 0
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            // Shops are read in place: a product is copied (its strings retained) only when it is reported,
            // so a fleet's shops do not each copy the whole catalog.
            if j == right.count || (i < left.count && left[i].id < right[j].id) {
                if let lane = lanes.lane(of: left[i].shopID) {
                    let b = left[i]
                    results[lane].bitrixCount += 1
                    if b.enabled {
                        results[lane].changes.append(
                            Change(
                                kind: .productMissing, key: String(b.id), bitrix: ChangeValue(b.name), rule: "match.id",
                                evidence: .lostCreate, action: .insert, shop: b.shopID))
                    }
                }
                i += 1
            } else if i == left.count || right[j].id < left[i].id {
                if right[j].enabled, let lane = lanes.lane(of: right[j].shopID) {
                    let c = right[j]
                    if partial {
                        results[lane].withheldOrphans += 1
                    } else {
                        results[lane].changes.append(
                            Change(
                                kind: .productOrphan, key: String(c.id), catalog: ChangeValue(c.name), rule: "match.id",
                                evidence: .lostDelete, action: .softDelete, shop: c.shopID))
                    }
                }
                j += 1
            } else {
                if let lane = lanes.lane(of: left[i].shopID) { results[lane].bitrixCount += 1 }
                matched += 1
                lanes.reporting(bitrix: left[i].shopID, catalog: right[j].shopID) { lane, _ in
                    compareMatched(bitrix: left[i], catalog: right[j], scope: lanes.scopes[lane], into: &results[lane])
                }
                i += 1
                j += 1
            }
        }
        for lane in results.indices {
            results[lane].catalogCount = right.count
            results[lane].matched = matched
        }
        return results
    }

    func compareMatched(
        bitrix b: CanonicalProduct, catalog c: CanonicalProduct, scope: ShopScope, into result: inout Result
    ) {
        // Matching is catalog-wide; the finding belongs to one shop, and only the run's shops are judged.
        let owner = scope.owner(bitrix: b.shopID, catalog: c.shopID)
        guard scope.reports(owner) else { return }
        let key = String(b.id)
        let sameName = TextNormalizer.equal(b.name, c.name)
        // Another product under a Bitrix id: names differ, and the catalog row is older than the element, or
        // it sits in another shop than the element's seller. Nothing else is said about this key.
        let catalogOlder = c.createdAtPacked.flatMap { cc in b.createdAtPacked.map { cc < $0 } } ?? false
        if !sameName && (catalogOlder || b.shopID != c.shopID) {
            result.changes.append(
                Change(
                    kind: .productIDCollision, key: key, bitrix: name(b.name), catalog: name(c.name),
                    rule: "match.id+name+created", evidence: .localIDInBitrixRange, action: .report, shop: owner))
            return
        }
        if b.shopID != c.shopID {
            result.changes.append(
                Change(
                    kind: .productShop, key: key, field: "shop_id", bitrix: ChangeValue(b.shopID.map(String.init)),
                    catalog: ChangeValue(c.shopID.map(String.init)), rule: "match.id",
                    evidence: b.shopID != owner
                        ? .movedToOtherSeller : (c.shopID == configuration.webhookShopID ? .webhookShop : .otherShop),
                    action: .report, shop: owner))
            return
        }

        func field(
            _ name: String, _ bitrix: ChangeValue, _ catalog: ChangeValue, _ rule: String, _ evidence: Evidence,
            _ action: ChangeAction = .update
        ) {
            result.changes.append(
                Change(
                    kind: .productField, key: key, field: name, bitrix: bitrix, catalog: catalog, rule: rule,
                    evidence: evidence, action: action, shop: owner))
        }
        if !sameName { field("name", self.name(b.name), self.name(c.name), "text.nfc-whitespace", .renamed) }
        if let bp = b.price, bp != c.price {
            let evidence: Evidence =
                c.price?.value == 0
                ? .priceParsedToZero
                : (c.price?.value == bp.value * 100 && bp.value != 0 ? .priceTimes100 : .priceChangeNotSynced)
            field(
                "price", ChangeValue(raw: bp.description, normalized: String(bp.value)),
                ChangeValue(raw: c.price?.description, normalized: c.price.map { String($0.value) }), "price.kopecks",
                evidence)
        }
        if b.enabled != c.enabled {
            field(
                "enabled", ChangeValue(String(b.enabled)), ChangeValue(String(c.enabled)), "enabled.active-window",
                b.enabled ? .lostActivation : .lostDeactivation)
        }
        if c.imageList.isEmpty && !b.imageList.isEmpty {
            result.changes.append(
                Change(
                    kind: .productImagesMissing, key: key, field: "images",
                    bitrix: ChangeValue(String(b.imageList.count)),
                    catalog: ChangeValue("0"), rule: "images.count", evidence: .createFallback, action: .insertImages,
                    shop: owner))
        } else if b.imageList != c.imageList {
            field(
                "images", ChangeValue(b.images.joined(separator: " ")), ChangeValue(c.images.joined(separator: " ")),
                "images.ordered-urls", .imagesChanged)
        }
        if !b.hasSameImage(as: c) && !(c.imageList.isEmpty && c.image == nil) {
            field("image", ChangeValue(b.image), ChangeValue(c.image), "image.url", .imageChanged)
        }
        for (fieldName, bw, cw) in [("width", b.width, c.width), ("height", b.height, c.height)] where bw != cw {
            if cw == nil && b.type == .vitrina {
                result.systematic.add(fieldName == "width" ? .vitrinaWidth : .vitrinaHeight)
            } else {
                field(
                    fieldName, ChangeValue(bw.map(String.init)), ChangeValue(cw.map(String.init)), "dimension.cm",
                    .dimensionChanged, .report)
            }
        }
        // The webhook's systematic losses: counted, never itemised.
        if let type = b.type, c.type != type { result.systematic.add(.type) }
        if let description = b.description, !description.isEmpty, !TextNormalizer.equal(description, c.description) {
            result.systematic.add(.description)
        }
        if let created = b.createdAtPacked, created != c.createdAtPacked { result.systematic.add(.createdAt) }
    }

    private func name(_ text: String) -> ChangeValue {
        ChangeValue(raw: text, normalized: TextNormalizer.normalized(text))
    }
}
