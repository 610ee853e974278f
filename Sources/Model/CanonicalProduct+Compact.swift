extension CanonicalProduct {
    /// How ``CanonicalProduct/image`` is held: a flag when it is the first image URL (nearly always, on
    /// both sides), so the URL is not held twice.
    @usableFromInline
    enum MainImage: Sendable, Hashable {
        /// No main image.
        case none
        /// The first URL of ``CanonicalProduct/imageList``, byte for byte.
        case first
        /// A URL that is not the first image's bytes (or there is no image).
        case own(String)

        /// `image` as held beside `list`.
        @usableFromInline
        init(_ image: String?, under list: ProductImageList) {
            guard let image else {
                self = .none
                return
            }
            self = list.firstHasSameUTF8(as: image) ? .first : .own(image)
        }

        /// The same main image once the list changed from one whose first URL was `oldFirst` to `list`.
        func keeping(_ oldFirst: String?, under list: ProductImageList) -> MainImage {
            switch self {
            case .none: return .none
            case .first: return MainImage(oldFirst, under: list)
            case .own(let url): return MainImage(url, under: list)
            }
        }
    }

    /// All image URLs in order (an array made from ``imageList`` on each read; setting it replaces the list).
    public var images: [String] {
        get { imageList.urls }
        set { imageList = ProductImageList(newValue) }
    }

    /// The main image URL (`product.image`; Bitrix: the first image).
    public var image: String? {
        get {
            switch mainImage {
            case .none: return nil
            case .first: return imageList.first
            case .own(let url): return url
            }
        }
        set { mainImage = MainImage(newValue, under: imageList) }
    }

    /// Makes the first image URL the main image (none without images), as a Bitrix product's is.
    public mutating func useFirstImage() { mainImage = imageList.isEmpty ? .none : .first }

    /// Whether the main images are equal (`String?`'s `==`), without making a string when both are the
    /// first of lists that are equal.
    /// - Parameter other: The other product.
    /// - Returns: `image == other.image`.
    public func hasSameImage(as other: CanonicalProduct) -> Bool {
        switch (mainImage, other.mainImage) {
        case (.none, .none): return true
        case (.first, .first) where imageList == other.imageList: return true
        case (.own(let a), .own(let b)): return a == b
        default: return image == other.image
        }
    }

    /// When the product was created, as `YYYY-MM-DD HH:MM:SS` wall-clock text (``createdAtPacked``).
    public var createdAt: String? {
        get { createdAtPacked?.text }
        set { createdAtPacked = newValue.map(PackedWallClock.init) }
    }

    /// When the product last changed, as wall-clock text (``updatedAtPacked``).
    public var updatedAt: String? {
        get { updatedAtPacked?.text }
        set { updatedAtPacked = newValue.map(PackedWallClock.init) }
    }

    /// Field by field, as the plain values: the main image compares as its URL however it is held.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.id == rhs.id && lhs.shopID == rhs.shopID && lhs.name == rhs.name && lhs.price == rhs.price
            && lhs.enabled == rhs.enabled && lhs.type == rhs.type && lhs.width == rhs.width
            && lhs.height == rhs.height && lhs.description == rhs.description && lhs.imageList == rhs.imageList
            && lhs.hasSameImage(as: rhs) && lhs.createdAtPacked == rhs.createdAtPacked
            && lhs.updatedAtPacked == rhs.updatedAtPacked
    }

    /// Hashes the fields as ``==(_:_:)`` compares them.
    /// - Parameter hasher: The hasher.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(shopID)
        hasher.combine(name)
        hasher.combine(price)
        hasher.combine(enabled)
        hasher.combine(type)
        hasher.combine(width)
        hasher.combine(height)
        hasher.combine(description)
        hasher.combine(imageList)
        hasher.combine(image)
        hasher.combine(createdAtPacked)
        hasher.combine(updatedAtPacked)
    }

    /// The coding keys: the plain fields' names (what `backstop extract` writes).
    enum CodingKeys: String, CodingKey {
        case id, shopID, name, price, enabled, type, width, height, description, image, images, createdAt, updatedAt
    }

    /// Decodes the plain fields (absent optionals are `nil`, absent images none).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for a missing required field or a value of the wrong type.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(Int64.self, forKey: .id), shopID: try c.decodeIfPresent(Int64.self, forKey: .shopID),
            name: try c.decode(String.self, forKey: .name), price: try c.decodeIfPresent(Kopecks.self, forKey: .price),
            enabled: try c.decode(Bool.self, forKey: .enabled),
            type: try c.decodeIfPresent(ProductType.self, forKey: .type),
            width: try c.decodeIfPresent(Int.self, forKey: .width),
            height: try c.decodeIfPresent(Int.self, forKey: .height),
            description: try c.decodeIfPresent(String.self, forKey: .description),
            image: try c.decodeIfPresent(String.self, forKey: .image),
            images: try c.decode([String].self, forKey: .images),
            createdAt: try c.decodeIfPresent(String.self, forKey: .createdAt),
            updatedAt: try c.decodeIfPresent(String.self, forKey: .updatedAt))
    }

    /// Encodes the plain fields in declaration order, leaving out the absent ones (as a synthesised
    /// encoder of the plain struct did).
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's error.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(shopID, forKey: .shopID)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(price, forKey: .price)
        try c.encode(enabled, forKey: .enabled)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(width, forKey: .width)
        try c.encodeIfPresent(height, forKey: .height)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(image, forKey: .image)
        try c.encode(images, forKey: .images)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(updatedAt, forKey: .updatedAt)
    }
}
