/// The discrepancies planted on products. Eligible products (seller 17008, not workflow copies) take them in
/// rotation: one product in ``WorldScale/driftPeriod`` carries the next kind of this list. Products of the
/// other migrated sellers take ``sellerCases`` in their own rotation, one per seller.
enum ProductDrift: CaseIterable {
    /// The kinds planted on the other migrated sellers' products: the reconcile stage's product kinds (the
    /// index kinds stay in shop 17008, the shop the index stage reads).
    static let sellerCases: [ProductDrift] = [
        .lostCreate, .lostDelete, .lostDeactivation, .nbspPrice, .commaPrice, .renamed, .createFallback, .wrongShop,
        .widthEdited, .heightEdited, .windowExpired,
    ]

    /// Lost `product.created`: active in Bitrix, no catalog row. → `product.missing`
    case lostCreate
    /// Lost delete: gone from Bitrix, still enabled in the catalog. → `product.orphan`
    case lostDelete
    /// Lost deactivation: `ACTIVE='N'` in Bitrix, enabled in the catalog. → `product.field` enabled
    case lostDeactivation
    /// NBSP thousands separator: the price parsed to 0. → `product.field` price
    case nbspPrice
    /// Decimal comma: the price ×100. → `product.field` price
    case commaPrice
    /// Renamed in the catalog only. → `product.field` name
    case renamed
    /// The create-fallback: product row without productimage rows. → `product.images_missing`
    case createFallback
    /// Created through the webhook path in shop 8. → `product.shop`
    case wrongShop
    /// No embedding. → `embedding.missing`
    case embeddingMissing
    /// Embedding of an old image URL. → `embedding.stale` source_url
    case embeddingStaleURL
    /// Embedding of an old model. → `embedding.stale` model_version
    case embeddingStaleModel
    /// Properly deactivated, but the embedding stayed. → `embedding.orphan`
    case embeddingOfDisabled
    /// The main image file is corrupt. → `image.unreachable`
    case corruptImage
    /// The main image file is absent. → `image.unreachable`
    case missingImage
    /// The main image is a near-duplicate of another product's. → `image.duplicate`
    case nearDuplicate
    /// CATALOG_WIDTH edited in the catalog only (non-vitrina). → `product.field` width
    case widthEdited
    /// CATALOG_HEIGHT edited in the catalog only (non-vitrina). → `product.field` height
    case heightEdited
    /// The Bitrix preview file was replaced (reverse-sync re-upload) and the webhook never came back: the
    /// catalog keeps the old URL in `product.image` and its first productimage. → `product.field` image and images
    case imageReuploaded
    /// `ACTIVE_TO` passed before the snapshot (no event fires), the catalog still enabled. → `product.field` enabled
    case windowExpired
}

/// The discrepancies planted on Railway orders (Bitrix `XML_ID = 'railway-N'`), in rotation.
enum OrderDrift: CaseIterable {
    /// Catalog order absent. → `order.missing`
    case missing
    /// Bitrix order deleted, catalog still links to it. → `order.orphan`
    case orphan
    /// `bitrix_order_id` never set. → `order.link_missing`
    case linkMissing
    /// A second catalog order with the same `bitrix_order_id`. → `order.link_duplicate`
    case linkDuplicate
    /// A lost status webhook (mapped code). → `order.status`
    case statusLost
    /// An unmapped Bitrix code (skipped by the webhook). → `order.status_unmapped`
    case statusUnmapped
    /// Customer phone differs. → `order.field` phone
    case phone
    /// A basket line without an orderitem. → `order.item_missing`
    case itemMissing
    /// An orderitem without a basket line. → `order.item_extra`
    case itemExtra
    /// Quantity differs. → `order.item_field` quantity
    case itemQuantity
    /// `USER_ID` without a `b_user` row. → `order.dangling_customer`
    case danglingCustomer
    /// A basket line points at a product that exists on neither side, so the catalog order lacks that line.
    /// → `order.dangling_product` + `order.item_missing` + `order.field` subtotal and total
    case danglingProduct
    /// The Railway → Bitrix push dropped the delivery fee. → `order.field` delivery_cost and total
    case deliveryDropped
    /// Customer name edited in the catalog. → `order.field` customer_name
    case customerName
    /// Recipient name edited in the catalog. → `order.field` recipient_name
    case recipientName
    /// Recipient phone edited in the catalog. → `order.field` recipient_phone
    case recipientPhone
    /// Delivery address edited in the catalog. → `order.field` address
    case address
    /// Delivery date moved in the catalog. → `order.field` delivery_date
    case deliveryDate
    /// Pickup in one system, delivery in the other. → `order.field` pickup
    case pickup
    /// An orderitem's price edited. → `order.item_field` price + `order.field` subtotal and total
    case itemPrice
    /// An orderitem's name edited. → `order.item_field` name
    case itemName
    /// The Bitrix order (and its basket) labelled RUB with the same amounts (the site's currency applied to
    /// the push). → `order.field` currency
    case currency
}

/// The webhook path's status map (`BX_TO_RAILWAY_STATUS`, upstream.md §2.5), to enum names.
enum StatusMap {
    static let mapped: [String: String] = [
        "N": "NEW", "PD": "PAID", "AP": "ACCEPTED", "CO": "ASSEMBLED", "DE": "IN_DELIVERY", "F": "DELIVERED",
        "RF": "CANCELLED", "UN": "CANCELLED",
    ]
    /// Codes the webhook skips, used for `order.status_unmapped`.
    static let unmapped = ["TR", "RD", "RO", "CF", "CA", "ER", "KC", "GP", "DN"]

    /// The 28 Bitrix codes with their measured shares (upstream.md §4.3) and names.
    static let codes: [(code: String, weight: Double, type: String, ru: String, en: String)] = [
        ("AN", 0.005, "O", "Аннулирован", "Annulled"),
        ("AP", 0.005, "O", "Принят", "Accepted"),
        ("AR", 0.005, "O", "Возврат (CloudPayments)", "Refund requested"),
        ("AU", 0.005, "O", "Авторизован (CloudPayments)", "Authorized"),
        ("CA", 0.02, "O", "Отменён системой", "Cancelled by system"),
        ("CF", 0.1, "O", "Подтверждён", "Confirmed"),
        ("CO", 0.1, "O", "Собран", "Assembled"),
        ("CP", 0.005, "O", "Оплачен (CloudPayments)", "Paid by card"),
        ("DE", 0.005, "O", "Доставляется", "In delivery"),
        ("DF", 0.005, "D", "Отгружен", "Shipped"),
        ("DN", 0.005, "D", "Ожидает обработки", "Awaiting processing"),
        ("ER", 0.02, "O", "Ошибка", "Error"),
        ("F", 69.7, "O", "Выполнен", "Completed"),
        ("GP", 0.005, "O", "Подарок", "Gift"),
        ("KA", 0.005, "O", "Kaspi: создан", "Kaspi created"),
        ("KB", 0.005, "O", "Kaspi: ожидает оплаты", "Kaspi awaiting payment"),
        ("KC", 0.005, "O", "Kaspi оплачен", "Kaspi paid"),
        ("KD", 0.005, "O", "Kaspi: отменён", "Kaspi cancelled"),
        ("N", 0.1, "O", "Новый", "New"),
        ("PD", 0.04, "O", "Оплачен", "Paid"),
        ("RD", 0.5, "O", "Перенесён", "Rescheduled"),
        ("RF", 0.9, "O", "Возврат", "Refunded"),
        ("RO", 0.1, "O", "Повторный заказ", "Reorder"),
        ("RP", 0.005, "O", "Возврат частичный", "Partial refund"),
        ("RR", 0.005, "O", "Возврат (CloudPayments) выполнен", "Refund done"),
        ("TR", 0.8, "O", "Передан курьеру", "Handed to courier"),
        ("UN", 27.6, "O", "Не реализован", "Not realised"),
        ("WA", 0.005, "O", "Ожидает оплаты", "Awaiting payment"),
    ]

    /// The lowercase API value of an enum name (orderhistory stores these).
    static func apiValue(_ name: String) -> String { name.lowercased() }
}
