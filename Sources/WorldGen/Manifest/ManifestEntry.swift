public import BackstopModel

/// One planted discrepancy of the ground truth (`manifest.jsonl`, one JSON object per line).
///
/// Keys: products by element id (`"668826"`); orders by the Bitrix `b_sale_order.ID` (for `order.orphan`,
/// the `bitrix_order_id` the catalog holds, which Bitrix lacks); the sequence by its name
/// (`"product_id_seq"`); embeddings by product id; images by product id, and `image.duplicate` by the pair
/// `"<source id>|<duplicate id>"`. `bitrix` and `catalog` hold the two raw values as text (absent = no value
/// on that side); `item` names the product id of an order line for the `order.item_*` kinds; `cause` says
/// which upstream behaviour the drift imitates.
public struct ManifestEntry: Codable, Sendable, Hashable {
    /// The discrepancy kind (a ``DiscrepancyKind`` raw value).
    public var kind: DiscrepancyKind
    /// `product`, `order`, `sequence`, `embedding` or `image`.
    public var entity: String
    /// The entity's key, see the type's documentation.
    public var key: String
    /// The field that differs, for field-level kinds.
    public var field: String?
    /// The Bitrix-side value.
    public var bitrix: String?
    /// The catalog-side value.
    public var catalog: String?
    /// The order line's product id, for `order.item_*`.
    public var item: String?
    /// The upstream behaviour imitated (`nbsp_price`, `lost_create`, …).
    public var cause: String?

    /// Creates an entry.
    public init(kind: DiscrepancyKind, key: String, field: String? = nil, bitrix: String? = nil,
                catalog: String? = nil, item: String? = nil, cause: String? = nil) {
        self.kind = kind
        self.entity = kind.entity
        self.key = key
        self.field = field
        self.bitrix = bitrix
        self.catalog = catalog
        self.item = item
        self.cause = cause
    }
}
