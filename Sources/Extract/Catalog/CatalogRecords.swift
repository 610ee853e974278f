public import BackstopModel

/// One `productimage` row as the catalog holds it.
public struct CatalogProductImage: Sendable, Hashable, Codable {
    /// `productimage.url`: the public image URL, compared with Bitrix's as text.
    public var url: String
    /// The `"order"` column.
    public var order: Int64
    /// `is_primary` (NULL read as `false`).
    public var isPrimary: Bool

    /// An image row as stored; `order` positions it in the product's gallery.
    public init(url: String, order: Int64, isPrimary: Bool) {
        self.url = url
        self.order = order
        self.isPrimary = isPrimary
    }
}

/// A `product` row with its images: the canonical product plus the catalog-only details the reconciler
/// checks (raw enum label, image order and primary flags, update time).
public struct CatalogProduct: Sendable, Hashable, Codable {
    /// The canonical form (`images` ordered by `"order"`, then `id`).
    public var product: CanonicalProduct
    /// The `type` enum label exactly as stored (`FLOWERS`, or a legacy label `product.type` can't map).
    public var typeName: String
    /// The `productimage` rows in the same order as `product.images`.
    public var imageRows: [CatalogProductImage]
    /// `updated_at` as `YYYY-MM-DD HH:MM:SS`.
    public var updatedAt: String?

    /// A product record from its canonical form and the columns that form drops.
    public init(product: CanonicalProduct, typeName: String, imageRows: [CatalogProductImage], updatedAt: String?) {
        self.product = product
        self.typeName = typeName
        self.imageRows = imageRows
        self.updatedAt = updatedAt
    }
}

/// One `orderitem` row.
public struct CatalogOrderItem: Sendable, Hashable, Codable {
    /// `product_id`.
    public var productID: Int64
    /// `product_name`.
    public var name: String
    /// `product_price` in kopecks.
    public var price: Kopecks
    /// `quantity` (whole units in the catalog).
    public var quantity: Int64
    /// `item_total` in kopecks.
    public var itemTotal: Kopecks

    /// An item as stored (`quantity` in whole units, unlike the canonical 1/10000).
    public init(productID: Int64, name: String, price: Kopecks, quantity: Int64, itemTotal: Kopecks) {
        self.productID = productID
        self.name = name
        self.price = price
        self.quantity = quantity
        self.itemTotal = itemTotal
    }
}

/// An `"order"` row with its items: the canonical order plus catalog-only columns.
public struct CatalogOrder: Sendable, Hashable, Codable {
    /// The canonical form (phones normalised where possible, raw otherwise).
    public var order: CanonicalOrder
    /// `"orderNumber"`.
    public var orderNumber: String
    /// `tracking_id`.
    public var trackingID: String
    /// The `status` enum label exactly as stored.
    public var statusName: String
    /// `subtotal` in kopecks.
    public var subtotal: Kopecks
    /// `phone` exactly as stored.
    public var rawPhone: String
    /// `recipient_phone` exactly as stored.
    public var rawRecipientPhone: String?
    /// `delivery_type` (`express`, `scheduled`, `pickup`).
    public var deliveryType: String?
    /// The `orderitem` rows ordered by `id`.
    public var items: [CatalogOrderItem]

    /// An order record from its canonical form and the catalog-only columns.
    public init(
        order: CanonicalOrder, orderNumber: String, trackingID: String, statusName: String, subtotal: Kopecks,
        rawPhone: String, rawRecipientPhone: String?, deliveryType: String?, items: [CatalogOrderItem]
    ) {
        self.order = order
        self.orderNumber = orderNumber
        self.trackingID = trackingID
        self.statusName = statusName
        self.subtotal = subtotal
        self.rawPhone = rawPhone
        self.rawRecipientPhone = rawRecipientPhone
        self.deliveryType = deliveryType
        self.items = items
    }
}

/// One `orderhistory` row: the catalog's audit trail of order changes. The apply appends one per status
/// it sets (`changed_by = 'backstop'`), the way the status webhook does.
public struct CatalogOrderHistory: Sendable, Hashable, Codable {
    /// `id`.
    public var id: Int64
    /// `order_id`.
    public var orderID: Int64
    /// `changed_by` (`admin`, `customer`, `bitrix`).
    public var changedBy: String
    /// `field_name`.
    public var fieldName: String
    /// `old_value`.
    public var oldValue: String?
    /// `new_value`.
    public var newValue: String?
    /// `changed_at` (timestamptz) in UTC as `YYYY-MM-DD HH:MM:SS`.
    public var changedAtUTC: String

    /// A history row as stored; `changedAtUTC` is UTC wall-clock text.
    public init(
        id: Int64, orderID: Int64, changedBy: String, fieldName: String, oldValue: String?, newValue: String?,
        changedAtUTC: String
    ) {
        self.id = id
        self.orderID = orderID
        self.changedBy = changedBy
        self.fieldName = fieldName
        self.oldValue = oldValue
        self.newValue = newValue
        self.changedAtUTC = changedAtUTC
    }
}

/// One `client` row: a customer of one catalog shop.
public struct CatalogClient: Sendable, Hashable, Codable {
    /// `id`.
    public var id: Int64
    /// `phone` exactly as stored.
    public var phone: String
    /// `"customerName"`.
    public var customerName: String?
    /// `notes`.
    public var notes: String?
    /// `shop_id`.
    public var shopID: Int64
    /// `telegram_user_id`.
    public var telegramUserID: String?
    /// `created_at` as `YYYY-MM-DD HH:MM:SS`.
    public var createdAt: String

    /// A client row as stored (phone not normalised).
    public init(
        id: Int64, phone: String, customerName: String?, notes: String?, shopID: Int64, telegramUserID: String?,
        createdAt: String
    ) {
        self.id = id
        self.phone = phone
        self.customerName = customerName
        self.notes = notes
        self.shopID = shopID
        self.telegramUserID = telegramUserID
        self.createdAt = createdAt
    }
}

/// One `product_embeddings` row: the visual-search index's vector for a product, which the index stage
/// checks for staleness (source URL, model version, the vector itself) and orphans.
public struct CatalogEmbedding: Sendable, Hashable, Codable {
    /// `id`.
    public var id: Int64
    /// `product_id` (no foreign key upstream: may name a missing product).
    public var productID: Int64
    /// The vector, whatever the column type (`real[]`, pgvector `vector`).
    public var vector: [Float]
    /// `embedding_type` (`image`).
    public var embeddingType: String
    /// `model_version`.
    public var modelVersion: String
    /// `source_url`: the image the vector was computed from.
    public var sourceURL: String?
    /// `created_at` as `YYYY-MM-DD HH:MM:SS`.
    public var createdAt: String?
    /// `updated_at` as `YYYY-MM-DD HH:MM:SS`.
    public var updatedAt: String?
    /// The row version read (`xmin`): a write made after the read changes it, so a planned update or
    /// delete can require it unchanged. `nil` when not read.
    public var rowVersion: Int64?

    /// An embedding row as read; `rowVersion` is `nil` when `xmin` was not selected.
    public init(
        id: Int64, productID: Int64, vector: [Float], embeddingType: String, modelVersion: String,
        sourceURL: String?, createdAt: String?, updatedAt: String?, rowVersion: Int64? = nil
    ) {
        self.rowVersion = rowVersion
        self.id = id
        self.productID = productID
        self.vector = vector
        self.embeddingType = embeddingType
        self.modelVersion = modelVersion
        self.sourceURL = sourceURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// How `product_embeddings.embedding` is stored, detected from the catalog at run time.
public enum EmbeddingColumnType: Sendable, Hashable {
    /// `real[]` (this project's stand-in schema): read as a binary float4 array.
    case realArray
    /// Another numeric array or a domain over one (`double precision[]`, `numeric[]`): cast to `real[]`.
    case castToRealArray(String)
    /// pgvector `vector(n)` (production): read as its text form `[1,2,3]` and parsed.
    case vector(String)
}
