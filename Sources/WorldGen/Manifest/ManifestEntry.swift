public import BackstopModel

/// One planted discrepancy of the ground truth (`manifest.jsonl`, one JSON object per line).
///
/// The manifest lists exactly what a correct reconciler finds, matched on the identity (`kind`, `key`,
/// `field`, `item`); `bitrix`, `catalog` and `cause` are informational. Everything not listed agrees under
/// the rules below and the systematic losses of `world.json` (never per-product findings).
///
/// Keys: products by element id (`"668826"`); orders by the Bitrix `b_sale_order.ID` wherever one is known
/// (for `order.orphan`, the `bitrix_order_id` the catalog holds, which Bitrix lacks; `catalog:<id>` would
/// name a catalog order with no Bitrix id, which the world does not plant); the sequence by its name
/// (`"product_id_seq"`); embeddings by product id; images by product id, and `image.duplicate` by the pair
/// `"<source id>|<duplicate id>"`. `item` is the product id of an order line (`order.item_*`,
/// `order.dangling_product`).
///
/// Fields: `product.field` one of name, price, enabled, image, images, width, height; `product.shop`
/// shop_id; `product.images_missing` images; `order.field` one of total, subtotal, delivery_cost, currency,
/// phone, customer_name, recipient_name, recipient_phone, address, delivery_date, pickup;
/// `order.item_field` quantity, price or name; `order.link_*` bitrix_order_id; `order.status*` status;
/// `order.dangling_product` product_id; `order.dangling_customer` USER_ID; `sequence.collision_risk`
/// last_value; the rest none.
///
/// Rules the manifest follows. Bitrix ACTIVE_FROM/ACTIVE_TO (site wall-clock time, as written) count at the
/// dump's `-- Dump completed on` time (the world's snapshot, 2025-10-25 03:00:00), bounds inclusive: an
/// element outside its window is inactive (absent from the catalog is fine, enabled there is `product.field`
/// enabled). Money in kopecks: Bitrix subtotal = Σ basket PRICE × QUANTITY, total = `b_sale_order.PRICE`,
/// delivery_cost = PRICE_DELIVERY; the catalog's subtotal is Σ of its own orderitems, so a line drift
/// (item missing/extra/quantity/price, dangling product) also plants `order.field` subtotal and total, and a
/// dropped delivery fee plants delivery_cost and total. address = coalesce(delivery_address,
/// pickup_address) vs prop addressRecipient; pickup = prop iWillGet 'Y' vs delivery_type 'pickup';
/// delivery_date by date; currency = `b_sale_order.CURRENCY` vs KZT (amounts never converted); phones as +7XXXXXXXXXX; names and addresses after NFC and whitespace
/// normalisation, case-sensitive. A dangling product exists on neither side, so its line is also
/// `order.item_missing`. `product.id_collision` keys carry nothing else.
///
/// Shops: every entry names the shop whose report folder holds it (`shop`): the seller of the Bitrix side
/// (property 290 of a product, the `shopId` order property of an order), the catalog row's shop where only
/// the catalog has the record (`product.orphan`, `order.orphan`), and the home shop 17008 for the
/// catalog-wide `sequence.collision_risk` and the index kinds (embedding.*, image.*, which the world plants
/// in shop 17008 only).
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
    /// The shop whose report holds the entry (see the type's documentation).
    public var shop: Int

    /// Every shop a world of `scale` and `seed` has in its catalog that is also a Bitrix seller, in id order:
    /// the shops a `--shop all` run reports, whose folders the manifest's entries name.
    public static func sellerShops(scale: WorldScale, seed: UInt64) -> [Int] {
        SellerPlan(scale: scale, seed: seed).catalogSellers.sorted()
    }

    /// Creates an entry.
    public init(
        kind: DiscrepancyKind, key: String, field: String? = nil, bitrix: String? = nil,
        catalog: String? = nil, item: String? = nil, cause: String? = nil, shop: Int = WorldIDs.cvetyShop
    ) {
        self.kind = kind
        self.entity = kind.entity
        self.key = key
        self.field = field
        self.bitrix = bitrix
        self.catalog = catalog
        self.item = item
        self.cause = cause
        self.shop = shop
    }
}
