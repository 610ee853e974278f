/// What a comparison saw that points to a probable cause. Comparison code names evidence only; the
/// words (and the shop numbers in them) live in one table, ``CauseRules``.
///
/// The raw values are the stable cause codes of reports, the ledger and the synthetic world's manifest
/// (`nbsp_price`, `decimal_comma`, …): renaming a case is free, changing a raw value breaks the
/// webhook-failure attribution of findings already stored (``webhookFailure(cause:)``) and every script
/// that filters on the code.
public enum Evidence: String, Sendable, Hashable, CaseIterable {
    // Products
    /// Active in Bitrix, no catalog row.
    case lostCreate = "lost_create"
    /// Enabled in the catalog, no Bitrix element.
    case lostDelete = "lost_delete"
    /// Bitrix says the element belongs to another seller.
    case movedToOtherSeller = "moved_to_other_seller"
    /// Inactive in Bitrix, enabled in the catalog.
    case lostDeactivation = "lost_deactivation"
    /// Active in Bitrix, disabled in the catalog.
    case lostActivation = "lost_activation"
    /// Catalog price 0 where Bitrix has one: the webhook's price parser gave up.
    case priceParsedToZero = "nbsp_price"
    /// Catalog price = Bitrix price × 100: a decimal comma read as a thousands separator.
    case priceTimes100 = "decimal_comma"
    /// Another price: a catalog price change fires no webhook.
    case priceChangeNotSynced = "price_change_not_synced"
    /// Names differ.
    case renamed = "rename_not_synced"
    /// The main image differs.
    case imageChanged = "image_not_synced"
    /// The image list differs.
    case imagesChanged = "images_not_synced"
    /// No `productimage` rows: the create-fallback path.
    case createFallback = "create_fallback"
    /// A dimension differs.
    case dimensionChanged = "dimension_not_synced"
    /// The catalog row sits in the shop the product webhook writes to.
    case webhookShop = "webhook_shop"
    /// The catalog row sits in yet another shop.
    case otherShop = "other_shop"
    /// A catalog product whose id Bitrix gave to another product.
    case localIDInBitrixRange = "local_id_in_bitrix_range"

    // Orders
    /// `railway-N` in Bitrix, no catalog order N.
    case orderNotCreated = "order_not_created"
    /// The catalog links to a Bitrix order that no longer exists.
    case bitrixOrderDeleted = "bitrix_order_deleted"
    /// A catalog order that never reached Bitrix.
    case orderNeverPushed = "order_never_pushed"
    /// `bitrix_order_id` NULL although Bitrix holds `railway-N`.
    case linkNeverSet = "bitrix_order_id_never_set"
    /// Two catalog orders share a Bitrix id.
    case orderCreatedTwice = "order_created_twice"
    /// A mapped status differs: the status webhook was lost.
    case statusWebhookLost = "status_webhook_lost"
    /// A refund (RF) the catalog does not show.
    case refundNotSynced = "refund_not_synced"
    /// A non-realised order (UN) the catalog does not show.
    case notRealisedNotSynced = "not_realised_not_synced"
    /// A Bitrix status the webhook's map lacks.
    case unmappedStatus = "unmapped_code_skipped"
    /// An order field differs: edited on one side only.
    case orderFieldEdited = "edited_in_one_system"
    /// The Railway → Bitrix push dropped the delivery fee.
    case deliveryFeeDropped = "delivery_fee_dropped"
    /// The currencies differ.
    case currencyDiffers = "currency_differs"
    /// Money differs because the lines differ.
    case linesDiffer = "lines_differ"
    /// A basket line the catalog lacks.
    case itemNotSynced = "item_not_synced"
    /// A catalog line Bitrix lacks.
    case itemAddedInCatalog = "item_added_in_catalog"
    /// A line value differs.
    case itemEdited = "item_edited"
    /// A line whose product exists on neither side.
    case productGone = "product_deleted"
    /// `USER_ID` without a `b_user` row.
    case userDeleted = "user_deleted"

    // Sequences
    /// The next sequence value falls inside the Bitrix element id range.
    case sequenceInBitrixRange = "setval_max_id"
}
