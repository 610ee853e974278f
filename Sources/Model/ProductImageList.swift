/// A product's image URLs in order, held as one string: the URLs back to back, each after the first
/// preceded by a NUL byte (which neither PostgreSQL text nor a Bitrix file URL can hold).
///
/// A million-product catalog has about 2.5 images a product: as an array of strings that was an array
/// buffer and a heap string per URL (~370 bytes a product with their headers); as one string it is the
/// text and one header (~220 bytes). A list with a URL that holds a NUL is kept as an array, so every
/// list is held exactly.
///
/// Equality is the arrays' (`[String]`'s `==`, canonical equivalence URL by URL).
///
/// ```swift
/// let list = ProductImageList(["https://cvety.kz/a.jpg", "https://cvety.kz/b.jpg"])
/// list.count       // 2
/// list.first       // "https://cvety.kz/a.jpg"
/// list.urls        // both, in order
/// ```
public struct ProductImageList: Sendable, Hashable {
    /// How the URLs are held.
    @usableFromInline
    enum Storage: Sendable, Hashable {
        /// No URL.
        case none
        /// One or more URLs without a NUL, joined by NUL bytes.
        case joined(String)
        /// URLs of which one holds a NUL, as they are.
        case list([String])
    }

    /// The held URLs.
    @usableFromInline
    var storage: Storage

    /// No URL.
    public init() { storage = .none }

    /// Holds `urls` in order.
    /// - Parameter urls: The image URLs.
    public init(_ urls: [String]) {
        guard !urls.isEmpty else {
            storage = .none
            return
        }
        if urls.count == 1 && !urls[0].utf8.contains(0) {
            storage = .joined(urls[0])
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(urls.reduce(urls.count) { $0 + $1.utf8.count })
        for (index, url) in urls.enumerated() {
            if url.utf8.contains(0) {
                storage = .list(urls)
                return
            }
            if index > 0 { bytes.append(0) }
            bytes.append(contentsOf: url.utf8)
        }
        storage = .joined(String(decoding: bytes, as: UTF8.self))
    }

    /// Holds URLs written by a ``Builder``.
    init(storage: Storage) { self.storage = storage }

    /// The URLs, in order (an array made on each call).
    public var urls: [String] {
        switch storage {
        case .none: return []
        case .list(let urls): return urls
        case .joined(let text):
            return text.utf8.split(separator: 0, omittingEmptySubsequences: false).map { String(Substring($0)) }
        }
    }

    /// How many URLs there are.
    public var count: Int {
        switch storage {
        case .none: return 0
        case .list(let urls): return urls.count
        case .joined(let text): return text.utf8.reduce(1) { $1 == 0 ? $0 + 1 : $0 }
        }
    }

    /// Whether there is no URL.
    public var isEmpty: Bool {
        if case .none = storage { return true }
        return false
    }

    /// The first URL, `nil` when there is none.
    public var first: String? {
        switch storage {
        case .none: return nil
        case .list(let urls): return urls.first
        case .joined(let text):
            guard let end = text.utf8.firstIndex(of: 0) else { return text }
            return String(Substring(text.utf8[..<end]))
        }
    }

    /// Whether the first URL is exactly `text`, byte for byte (no string is made).
    /// - Parameter text: The text to compare with.
    /// - Returns: `false` when there is no URL.
    public func firstHasSameUTF8(as text: String) -> Bool {
        switch storage {
        case .none: return false
        case .list(let urls): return urls[0].hasSameUTF8(as: text)
        case .joined(let joined):
            let end = joined.utf8.firstIndex(of: 0) ?? joined.utf8.endIndex
            return joined.utf8[..<end].elementsEqual(text.utf8)
        }
    }

    /// Whether both lists hold exactly the same bytes (the same URLs, byte for byte): then one can share
    /// the other's storage.
    /// - Parameter other: The list to compare with.
    /// - Returns: `true` for byte-identical lists.
    public func hasSameUTF8(as other: ProductImageList) -> Bool {
        switch (storage, other.storage) {
        case (.none, .none): return true
        case (.joined(let a), .joined(let b)): return a.hasSameUTF8(as: b)
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.hasSameUTF8(as: $1) }
        default: return false
        }
    }

    /// Whether the lists hold canonically equivalent URLs in the same order (`[String]`'s `==`).
    ///
    /// Joined lists compare as one string: a NUL is a starter that composes with nothing, so canonical
    /// equivalence of the joined texts is canonical equivalence URL by URL, and equal texts have the same
    /// number of NULs.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.none, .none): return true
        case (.joined(let a), .joined(let b)): return a == b
        case (.none, _), (_, .none): return false
        default: return lhs.urls == rhs.urls
        }
    }

    /// Hashes the URLs (consistent with ``==(_:_:)``: canonically equivalent lists hash alike).
    /// - Parameter hasher: The hasher.
    public func hash(into hasher: inout Hasher) {
        switch storage {
        case .none: hasher.combine(0)
        case .joined(let text): hasher.combine(text)
        case .list(let urls): hasher.combine(urls.joined(separator: "\u{0}"))
        }
    }
}

extension ProductImageList: ExpressibleByArrayLiteral {
    /// A list of literal URLs (`[]`, `["https://…/a.jpg"]`).
    /// - Parameter elements: The URLs, in order.
    public init(arrayLiteral elements: String...) { self.init(elements) }
}

extension ProductImageList {
    /// Writes a list URL by URL from bytes, with no string per URL: how the catalog reader and the Bitrix
    /// model make one.
    ///
    /// ```swift
    /// var builder = ProductImageList.Builder()
    /// builder.append(Array("https://cvety.kz/a.jpg".utf8)[...])
    /// let list = builder.finish()   // ["https://cvety.kz/a.jpg"]
    /// ```
    public struct Builder: Sendable {
        /// The URLs so far, joined by NUL bytes.
        private var bytes: [UInt8] = []
        /// How many URLs were appended.
        private var count = 0
        /// Set when an appended URL held a NUL: the URLs as strings instead.
        private var list: [String]?

        /// An empty builder.
        public init() {}

        /// Appends one URL, given as UTF-8 bytes.
        /// - Parameter url: The URL's bytes.
        public mutating func append<Bytes: Collection<UInt8>>(_ url: Bytes) {
            if list != nil || url.contains(0) {
                if list == nil { list = Self.split(bytes, count: count) }
                list?.append(String(decoding: url, as: UTF8.self))
                count += 1
                return
            }
            if count > 0 { bytes.append(0) }
            bytes.append(contentsOf: url)
            count += 1
        }

        /// Appends one URL.
        /// - Parameter url: The URL.
        public mutating func append(_ url: String) { append(url.utf8) }

        /// The list; the builder is empty afterwards.
        /// - Returns: The URLs appended, in order.
        public mutating func finish() -> ProductImageList {
            defer { self = Builder() }
            if let list { return ProductImageList(storage: .list(list)) }
            guard count > 0 else { return ProductImageList() }
            return ProductImageList(storage: .joined(String(decoding: bytes, as: UTF8.self)))
        }

        /// The first `count` URLs of NUL-joined `bytes`, as strings.
        private static func split(_ bytes: [UInt8], count: Int) -> [String] {
            guard count > 0 else { return [] }
            return bytes.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
    }
}
