extension Discrepancy {
    /// What makes findings of two runs the same finding: kind, key, field and item (values may change).
    ///
    /// Run history matches on it: a price that moved from 0 to 4 950 and then to 5 200 is one persisting
    /// `product.field` finding of field `price`, open since the run that first saw it, not a resolved one
    /// and a new one. The shop is not part of it; history compares runs of the same shop only.
    public struct Identity: Sendable, Hashable, Codable, Comparable {
        /// The kind (`product.field`, `order.status`, …).
        public var kind: DiscrepancyKind
        /// The entity key.
        public var key: String
        /// The field, for field-level kinds.
        public var field: String?
        /// The order line's product id, for item-level kinds.
        public var item: String?

        /// Names a finding across runs; `field` and `item` stay `nil` for kinds that have none.
        public init(kind: DiscrepancyKind, key: String, field: String? = nil, item: String? = nil) {
            self.kind = kind
            self.key = key
            self.field = field
            self.item = item
        }

        /// Report order: kind, key (numeric keys by length first, so `99` sorts before `100` without
        /// parsing), field, item.
        public static func < (a: Self, b: Self) -> Bool {
            if a.kind != b.kind { return a.kind < b.kind }
            if a.key != b.key { return a.key.count != b.key.count ? a.key.count < b.key.count : a.key < b.key }
            if a.field != b.field { return (a.field ?? "") < (b.field ?? "") }
            return (a.item ?? "") < (b.item ?? "")
        }
    }

    /// This finding's identity across runs.
    public var identity: Identity { Identity(kind: kind, key: key, field: field, item: item) }
}
