public import Foundation

/// Where the cvety.kz Bitrix installation keeps things. Defaults are the upstream values
/// (reference/upstream.md §0, §4).
///
/// Another Bitrix shop differs in ids, not in schema: iblock ids, the seller property, the site id,
/// property and order-property codes. Those are what this type holds; table and column names are
/// Bitrix's own and fixed.
///
/// ```swift
/// var configuration = BitrixConfiguration()
/// configuration.shopFilter = 17008                       // one seller's products only
/// configuration.snapshotTime = "2025-10-25 03:00:00"     // for a dump made with --skip-dump-date
/// ```
public struct BitrixConfiguration: Sendable {
    /// Kazakhstan's site time zone (UTC+5 since 2024-03-01).
    public static let defaultTimeZone: TimeZone = {
        if let almaty = TimeZone(identifier: "Asia/Almaty") { return almaty }
        guard let fixed = TimeZone(secondsFromGMT: 5 * 3600) else { preconditionFailure("UTC+5 is a valid offset") }
        return fixed
    }()

    /// Catalog iblocks: 2 (catalog) and 27 (offers).
    public var catalogIblockIDs: Set<Int64> = [2, 27]
    /// The seller property ("Продавец"); its value is the shop's iblock-32 element id.
    public var sellerPropertyID: Int64 = 290
    /// The shops iblock (32): its elements are the sellers.
    public var sellerIblockID: Int64 = 32
    /// The production shop (Cvetykz).
    public var productionShopID: Int64 = 17008
    /// Keep only products of this shop; `nil` keeps every seller's products.
    public var shopFilter: Int64? = nil
    /// The base price group when the dump has no `b_catalog_group` row with `BASE='Y'`.
    public var defaultBasePriceGroupID: Int64 = 1
    /// The currency the base price must be in to become the product price.
    public var baseCurrency = "KZT"
    /// Prefix of image URLs (`CFile::GetFileSRC` with BX_IMG_SERVER).
    public var baseURL = "https://cvety.kz"
    /// The `main/upload_dir` option.
    public var uploadDirectory = "upload"
    /// The site whose orders are read (`b_sale_order.LID`).
    public var siteID = "s1"
    /// The site time zone: Bitrix DATETIME columns are wall-clock times in it.
    public var timeZone: TimeZone = Self.defaultTimeZone

    /// "Now" for a dump whose footer carries no time (`YYYY-MM-DD HH:MM:SS`, site time); the footer wins.
    public var snapshotTime: String?

    /// Property codes resolved to ids through `b_iblock_property`, unless the id is pinned here.
    public var readyProperty = PropertyReference(code: "IS_READY")
    /// Width in centimetres (`70` or `70 см`).
    public var widthProperty = PropertyReference(code: "WIDTH")
    /// Height in centimetres.
    public var heightProperty = PropertyReference(code: "HEIGHT")
    /// Width of a catalog (made-to-order) bouquet (`70 см`), when `WIDTH` is empty.
    public var catalogWidthProperty = PropertyReference(code: "CATALOG_WIDTH")
    /// Height of a catalog bouquet, when `HEIGHT` is empty.
    public var catalogHeightProperty = PropertyReference(code: "CATALOG_HEIGHT")
    /// The multiple-value file property holding gallery images (values are `b_file.ID`).
    public var galleryProperty = PropertyReference(code: "MORE_PHOTO")

    /// Order property codes (`b_sale_order_props_value.CODE`) per canonical field, first match wins.
    public var orderPropertyCodes = OrderPropertyCodes()

    /// The upstream configuration; change fields for another installation.
    public init() {}

    /// A product property by code, optionally pinned to an id.
    public struct PropertyReference: Sendable, Hashable {
        /// `b_iblock_property.CODE`.
        public var code: String
        /// `b_iblock_property.ID`. Pin it to keep only this property's value rows while reading: with only a
        /// code, value rows of catalog elements are buffered until `b_iblock_property` (later in the
        /// alphabetical dump) names the id.
        public var id: Int64?

        /// A reference by `code`, resolved from the dump unless `id` pins it.
        public init(code: String, id: Int64? = nil) {
            self.code = code
            self.id = id
        }
    }

    /// Which order property codes feed which canonical order field.
    public struct OrderPropertyCodes: Sendable, Hashable {
        /// The shop id (`'17008'`).
        public var shopID = ["shopId"]
        /// The customer's name.
        public var customerName = ["name", "NAME", "FIO"]
        /// The customer's phone.
        public var phone = ["phone", "PHONE"]
        /// The recipient's name.
        public var recipientName = ["nameRecipient"]
        /// The recipient's phone.
        public var recipientPhone = ["phoneRecipient"]
        /// The delivery address.
        public var deliveryAddress = ["addressRecipient", "ADDRESS"]
        /// The delivery date (`dd.mm.yyyy`, or ISO `yyyy-mm-dd`).
        public var deliveryDate = ["data"]
        /// Pickup by the customer (`Y`).
        public var pickup = ["iWillGet", "pickup"]

        /// The upstream codes.
        public init() {}

        /// Every code of every field: the property values worth keeping while reading.
        var all: Set<String> {
            Set(
                shopID + customerName + phone + recipientName + recipientPhone + deliveryAddress + deliveryDate + pickup
            )
        }
    }
}
