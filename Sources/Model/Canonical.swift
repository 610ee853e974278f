/// The catalog's product type, by enum member NAME as PostgreSQL stores it.
///
/// Bitrix has no such field: its `IS_READY` property says only vitrina (a ready-made bouquet on display)
/// or catalog (made to order), so a Bitrix product maps to ``vitrina`` or ``catalog`` while the webhook
/// path writes ``flowers`` for every product. That loss is counted once as systematic, never itemised.
public enum ProductType: String, Sendable, Hashable, CaseIterable, Codable {
    case flowers = "FLOWERS"
    case sweets = "SWEETS"
    case fruits = "FRUITS"
    case gifts = "GIFTS"
    case vitrina = "VITRINA"
    case catalog = "CATALOG"
}

/// The catalog's order status, by enum member NAME as PostgreSQL stores it.
///
/// Seven values against Bitrix's 28 status codes: the versioned status map in BackstopReconcile
/// (`StatusMap`) says which Bitrix code becomes which value, and a code it does not map is reported as
/// `order.status_unmapped` rather than guessed.
public enum OrderStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case new = "NEW"
    case paid = "PAID"
    case accepted = "ACCEPTED"
    case assembled = "ASSEMBLED"
    case inDelivery = "IN_DELIVERY"
    case delivered = "DELIVERED"
    case cancelled = "CANCELLED"
}

/// A product in the one shape both sides are normalised into before comparison: a Bitrix iblock element
/// (through the dump or the product API) or an upstream `product` row.
///
/// Values are as read, not as compared: the reconciler normalises names (NFC, whitespace) and compares
/// money as ``Kopecks``, so a field that is `nil` here means "absent or unreadable on this side", which
/// is itself a finding when the other side has a value.
///
/// A run holds a million of these on each side at the `l` world, so the layout is compact: the image URLs
/// are one string (``imageList``), the main image is a flag when it is the first of them, and the two
/// times are packed numbers (``createdAtPacked``, ``updatedAtPacked``). ``images``, ``image``,
/// ``createdAt`` and ``updatedAt`` read and write them as the plain values they stand for.
///
/// ```swift
/// let fromDump = CanonicalProduct(id: 1042, shopID: 7, name: "Pink roses", price: Kopecks(tenge: 4950))
/// let fromCatalog = CanonicalProduct(id: 1042, shopID: 7, name: "Pink roses", price: Kopecks(0))
/// fromDump == fromCatalog   // false: the webhook read "4 950 ₸" as 0, a `product.field` price finding
/// ```
public struct CanonicalProduct: Sendable, Hashable, Codable {
    /// The preserved id: Bitrix element id = `product.id`.
    public var id: Int64
    /// The shop (`product.shop_id`; Bitrix seller property 290).
    public var shopID: Int64?
    /// The display name, whitespace-normalised.
    public var name: String
    /// The base price in kopecks; `nil` when there is none or it could not be parsed.
    public var price: Kopecks?
    /// Whether the product is live (Bitrix ACTIVE within ACTIVE_FROM/TO; catalog `enabled`).
    public var enabled: Bool
    /// The product type (vitrina/catalog from IS_READY; FLOWERS and friends in the catalog).
    public var type: ProductType?
    /// Width in centimetres.
    public var width: Int?
    /// Height in centimetres.
    public var height: Int?
    /// The description (Bitrix DETAIL_TEXT).
    public var description: String?
    /// All image URLs in order (`productimage` rows; Bitrix picture fields plus the gallery), held as one
    /// string; ``images`` gives them as an array.
    public var imageList: ProductImageList {
        didSet { mainImage = mainImage.keeping(oldValue.first, under: imageList) }
    }
    /// The main image (``image``): none, the first of ``imageList``, or a URL of its own.
    @usableFromInline
    var mainImage: MainImage
    /// When the product was created (Bitrix DATE_CREATE), packed; ``createdAt`` gives its text.
    public var createdAtPacked: PackedWallClock?
    /// When the product last changed (Bitrix `TIMESTAMP_X`; catalog `updated_at`), packed; ``updatedAt``
    /// gives its text.
    public var updatedAtPacked: PackedWallClock?

    /// Builds a product from either side's columns; everything but the id and the name defaults to absent
    /// (and `enabled` to `true`). Inlinable, so readers in other modules build a product without a call
    /// that retains and releases every field.
    @inlinable
    public init(
        id: Int64, shopID: Int64? = nil, name: String, price: Kopecks? = nil, enabled: Bool = true,
        type: ProductType? = nil, width: Int? = nil, height: Int? = nil, description: String? = nil,
        image: String? = nil, images: [String] = [], createdAt: String? = nil, updatedAt: String? = nil
    ) {
        self.init(
            id: id, shopID: shopID, name: name, price: price, enabled: enabled, type: type, width: width,
            height: height, description: description, image: image, imageList: ProductImageList(images),
            createdAt: createdAt.map(PackedWallClock.init), updatedAt: updatedAt.map(PackedWallClock.init))
    }

    /// Builds a product from values already in their compact form (how the readers make one): the image
    /// URLs as a list, the times packed. `image` is held as a flag when it is the list's first URL byte for
    /// byte.
    @inlinable
    public init(
        id: Int64, shopID: Int64?, name: String, price: Kopecks?, enabled: Bool, type: ProductType?, width: Int?,
        height: Int?, description: String?, image: String?, imageList: ProductImageList,
        createdAt: PackedWallClock?, updatedAt: PackedWallClock?
    ) {
        self.id = id
        self.shopID = shopID
        self.name = name
        self.price = price
        self.enabled = enabled
        self.type = type
        self.width = width
        self.height = height
        self.description = description
        self.imageList = imageList
        self.mainImage = MainImage(image, under: imageList)
        self.createdAtPacked = createdAt
        self.updatedAtPacked = updatedAt
    }
}

/// One order line in canonical form.
public struct CanonicalOrderItem: Sendable, Hashable, Codable {
    /// The product id (Bitrix element id).
    public var productID: Int64
    /// The product name at order time.
    public var name: String
    /// Unit price in kopecks after discount.
    public var price: Kopecks
    /// Quantity in 1/10000 units (Bitrix QUANTITY is DECIMAL(18,4) and may be fractional): 2 pieces are
    /// `20_000`, 0.5 kg is `5_000`. The catalog's integer `quantity` is multiplied by 10 000 when read, so
    /// both sides compare exactly, without floating point.
    public var quantityTenThousandths: Int64

    /// Builds an order line; `quantityTenThousandths` is the quantity × 10 000 (see the property).
    public init(productID: Int64, name: String, price: Kopecks, quantityTenThousandths: Int64) {
        self.productID = productID
        self.name = name
        self.price = price
        self.quantityTenThousandths = quantityTenThousandths
    }
}

/// An order in canonical form: a Bitrix `b_sale_order` with its basket and props, or a catalog
/// `"order"` row with its items.
///
/// An order is matched through ``bitrixID`` where the catalog wrote `bitrix_order_id`, else through
/// ``catalogID`` (Bitrix `XML_ID = 'railway-<id>'`): one side may know only one of the two ids, which is
/// why both are optional. Money is in ``Kopecks`` together with ``currency``; amounts in different
/// currencies never compare equal.
public struct CanonicalOrder: Sendable, Hashable, Codable {
    /// The Bitrix order id (`b_sale_order.ID`, `"order".bitrix_order_id`), when known.
    public var bitrixID: Int64?
    /// The catalog order id (`"order".id`; Bitrix `XML_ID` `railway-<id>`), when known.
    public var catalogID: Int64?
    /// The shop (`"order".shop_id`; the `shopId` order property on the Bitrix side).
    public var shopID: Int64?
    /// The raw Bitrix status code (`F`, `UN`, …) on the Bitrix side.
    public var bitrixStatus: String?
    /// The catalog status.
    public var status: OrderStatus?
    /// Order total in kopecks.
    public var total: Kopecks
    /// Σ line price × quantity in kopecks (Bitrix: computed from the basket; catalog: `subtotal`).
    public var subtotal: Kopecks?
    /// Delivery price in kopecks.
    public var deliveryCost: Kopecks
    /// ISO currency code (`KZT`, `RUB`, `USD`).
    public var currency: String
    /// The Bitrix customer (`USER_ID`).
    public var userID: Int64?
    /// Customer name, as entered (compared after whitespace normalisation).
    public var customerName: String?
    /// Customer phone, normalised to `+7XXXXXXXXXX` where possible.
    public var phone: String?
    /// Recipient name, when someone else receives the bouquet.
    public var recipientName: String?
    /// Recipient phone, normalised.
    public var recipientPhone: String?
    /// Delivery address (catalog: `coalesce(delivery_address, pickup_address)`).
    public var deliveryAddress: String?
    /// Delivery date as `YYYY-MM-DD`.
    public var deliveryDate: String?
    /// Whether the customer picks the order up (Bitrix `iWillGet = 'Y'`; catalog `delivery_type = 'pickup'`).
    public var pickup: Bool
    /// The lines.
    public var items: [CanonicalOrderItem]
    /// Creation time as wall-clock text.
    public var createdAt: String?
    /// Last update time as wall-clock text (Bitrix `DATE_UPDATE`; catalog `updated_at`).
    public var updatedAt: String?

    /// Builds an order from either side's columns; only ``total`` is required, every other field defaults
    /// to absent (`KZT`, no delivery cost, not a pickup).
    public init(
        bitrixID: Int64? = nil, catalogID: Int64? = nil, shopID: Int64? = nil, bitrixStatus: String? = nil,
        status: OrderStatus? = nil, total: Kopecks, deliveryCost: Kopecks = Kopecks(0), currency: String = "KZT",
        userID: Int64? = nil, customerName: String? = nil, phone: String? = nil, recipientName: String? = nil,
        recipientPhone: String? = nil, deliveryAddress: String? = nil, items: [CanonicalOrderItem] = [],
        createdAt: String? = nil, subtotal: Kopecks? = nil, deliveryDate: String? = nil, pickup: Bool = false,
        updatedAt: String? = nil
    ) {
        self.subtotal = subtotal
        self.deliveryDate = deliveryDate
        self.pickup = pickup
        self.updatedAt = updatedAt
        self.bitrixID = bitrixID
        self.catalogID = catalogID
        self.shopID = shopID
        self.bitrixStatus = bitrixStatus
        self.status = status
        self.total = total
        self.deliveryCost = deliveryCost
        self.currency = currency
        self.userID = userID
        self.customerName = customerName
        self.phone = phone
        self.recipientName = recipientName
        self.recipientPhone = recipientPhone
        self.deliveryAddress = deliveryAddress
        self.items = items
        self.createdAt = createdAt
    }
}

/// A Bitrix user in canonical form (`b_user`): the customer an order's `USER_ID` points at. The
/// reconciler needs only the set of user ids (for `order.dangling_customer`); the fields are what
/// `backstop extract` exports.
public struct CanonicalUser: Sendable, Hashable, Codable {
    /// `b_user.ID`.
    public var id: Int64
    /// `LOGIN`: the account's sign-in name (kept for exports; matching uses the id).
    public var login: String
    /// Display name (NAME + LAST_NAME).
    public var name: String?
    /// E-mail.
    public var email: String?
    /// Phone normalised to `+7XXXXXXXXXX`, or `nil` when there is none or it cannot be normalised.
    public var phone: String?
    /// Whether the account is active.
    public var active: Bool

    /// Builds a user from a `b_user` row; only the id and the login are required.
    public init(
        id: Int64, login: String, name: String? = nil, email: String? = nil, phone: String? = nil, active: Bool = true
    ) {
        self.id = id
        self.login = login
        self.name = name
        self.email = email
        self.phone = phone
        self.active = active
    }
}
