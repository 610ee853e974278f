public import BackstopModel
public import Foundation
public import Logging

/// One saved page of the production product API, `GET https://cvety.kz/api/v2/products`:
/// `{success, data: [...], pagination: {total, limit, offset, hasMore}}`.
public struct ProductFeedPage: Sendable {
    /// The products that could be read (an element without a usable `id` is skipped and reported).
    public var products: [CanonicalProduct]
    /// Values that could not be parsed, with the product id and the raw value.
    public var problems: [ParseProblem]
    /// `pagination.total`, when present: the product count across all pages, so a caller can tell a
    /// saved page set that misses pages.
    public var total: Int?
    /// `pagination.hasMore`, when present (`false` on the last page).
    public var hasMore: Bool?
}

/// Reads saved product API pages into `CanonicalProduct`s, parsing what the upstream webhook gets
/// wrong (see ``MoneyText`` and ``DimensionText``) and reporting what it cannot parse instead of
/// storing 0.
///
/// Field mapping: `id`, `title` → name, `price` → kopecks, `isAvailable` → enabled (missing: `true`, as
/// upstream, and reported), `image`, `images`, `type` (`vitrina`/`catalog`), `width`/`height` for vitrina
/// and `catalogWidth`/`catalogHeight` for catalog (falling back to the other pair when absent),
/// `description`, `createdAt` (`2025-04-24T17:01:07+0500`) → wall-clock text in the site time zone.
public struct ProductFeed: Sendable {
    /// The source name used in problems.
    public static let source = "api/v2/products"
    /// The Bitrix site's time zone (creation times are converted into it).
    public var siteTimeZone: TimeZone

    /// A feed parser whose creation times are converted into `siteTimeZone` (Almaty by default), so
    /// they compare with the dump's wall-clock `DATE_CREATE`.
    public init(siteTimeZone: TimeZone = BitrixConfiguration.defaultTimeZone) {
        self.siteTimeZone = siteTimeZone
    }

    /// Parses one page.
    ///
    /// ```swift
    /// let json = #"{"data": [{"id": "1042", "title": "Pink roses", "price": "4 950 ₸", "isAvailable": true}]}"#
    /// let page = try ProductFeed().parsePage(Data(json.utf8))
    /// page.products.first?.price   // Kopecks(495000)
    /// page.problems                // []
    /// ```
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - file: the file name for error messages.
    /// - Returns: the page's products and paging.
    /// - Throws: ``ExtractError`` if the page is not JSON of the expected shape or `success` is false.
    public func parsePage(_ data: Data, file: String? = nil) throws -> ProductFeedPage {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ExtractError(.decoding, "not a JSON document: \(error)", file: file)
        }
        guard case .object(let object) = root else {
            throw ExtractError(.decoding, "the page is not a JSON object", file: file)
        }
        if case .bool(false) = object["success"] {
            throw ExtractError(.decoding, "the page says success=false", file: file)
        }
        guard case .array(let elements) = object["data"] else {
            throw ExtractError(.decoding, "the page has no `data` array", file: file)
        }
        var page = ProductFeedPage(products: [], problems: [], total: nil, hasMore: nil)
        if case .object(let pagination) = object["pagination"] {
            page.total = pagination["total"]?.int64.map { Int($0) }
            if case .bool(let more) = pagination["hasMore"] { page.hasMore = more }
        }
        page.products.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .object(let fields) = element else {
                page.problems.append(
                    ParseProblem(
                        source: Self.source, key: "#\(index)", rawValue: element.rawText,
                        reason: "element is not an object"))
                continue
            }
            if let product = product(fields, index: index, problems: &page.problems) {
                page.products.append(product)
            }
        }
        return page
    }

    /// One element of `data` as a product, or `nil` when it has no integer `id` (reported, keyed
    /// `#<index>`). Every other unreadable field becomes a problem and stays absent on the product: a
    /// price that cannot be read is `nil`, never 0.
    func product(_ fields: [String: JSONValue], index: Int, problems: inout [ParseProblem]) -> CanonicalProduct? {
        guard let id = fields["id"]?.int64 else {
            problems.append(
                ParseProblem(
                    source: Self.source, key: "#\(index)", field: "id", rawValue: fields["id"]?.rawText,
                    reason: "missing or not an integer"))
            return nil
        }
        let key = String(id)
        func problem(_ field: String, _ raw: String?, _ reason: String) {
            problems.append(ParseProblem(source: Self.source, key: key, field: field, rawValue: raw, reason: reason))
        }
        var product = CanonicalProduct(id: id, name: "")
        if let title = fields["title"]?.string {
            product.name = title
        } else {
            problem("title", fields["title"]?.rawText, "missing")
        }

        switch fields["price"] {
        case .string(let text)?:
            switch MoneyText.kopecks(text) {
            case .success(let kopecks): product.price = kopecks
            case .failure(let failure): problem("price", text, failure.description)
            }
        case .number(let number)?:
            switch MoneyText.kopecks(number.description) {
            case .success(let kopecks): product.price = kopecks
            case .failure(let failure): problem("price", number.description, failure.description)
            }
        case let other:
            problem("price", other?.rawText, "missing")
        }

        switch fields["isAvailable"] {
        case .bool(let available)?: product.enabled = available
        case let other:
            product.enabled = true
            problem("isAvailable", other?.rawText, "missing or not a boolean; read as true like upstream")
        }

        product.image = fields["image"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        if case .array(let images)? = fields["images"] {
            product.images = images.compactMap(\.string)
        }
        product.description = fields["description"]?.string

        switch fields["type"]?.string {
        case "vitrina"?: product.type = .vitrina
        case "catalog"?: product.type = .catalog
        case nil: break
        case let other?: problem("type", other, "neither vitrina nor catalog")
        }
        let pairs =
            product.type == .vitrina
            ? [("width", "height"), ("catalogWidth", "catalogHeight")]
            : [("catalogWidth", "catalogHeight"), ("width", "height")]
        for (widthKey, heightKey) in pairs where product.width == nil && product.height == nil {
            product.width = dimension(fields[widthKey], field: widthKey, problem: problem)
            product.height = dimension(fields[heightKey], field: heightKey, problem: problem)
        }

        if let created = fields["createdAt"]?.string {
            if let text = WallClock.siteText(isoTimestamp: created, timeZone: siteTimeZone) {
                product.createdAt = text
            } else {
                problem("createdAt", created, "not an ISO timestamp")
            }
        }
        return product
    }

    /// A dimension value: absent, `null`, `false` and `""` mean none; numbers and strings are parsed.
    func dimension(_ value: JSONValue?, field: String, problem: (String, String?, String) -> Void) -> Int? {
        switch value {
        case nil, .null?, .bool(false)?: return nil
        case .string(let text)? where text.isEmpty: return nil
        case .string(let text)?:
            switch DimensionText.centimetres(text) {
            case .success(let value): return value
            case .failure(let failure):
                problem(field, text, failure.description)
                return nil
            }
        case .number(let number)?:
            switch DimensionText.centimetres(number.description) {
            case .success(let value): return value
            case .failure(let failure):
                problem(field, number.description, failure.description)
                return nil
            }
        case let other?:
            problem(field, other.rawText, "not a number or string")
            return nil
        }
    }
}

/// A pull cursor over saved product API pages (files read one at a time, in the order given).
///
/// ```swift
/// let reader = ProductFeedReader(files: pageFiles, logger: logger)
/// while let product = try reader.next() { … }
/// reader.problems   // every value no rule could read, with its product id and raw text
/// ```
public final class ProductFeedReader {
    /// The page parser.
    private let feed: ProductFeed
    /// Receives one line per page.
    private let logger: Logger
    /// Pages not read yet.
    private var files: ArraySlice<URL>
    /// Products of the current page not handed out yet.
    private var buffer: ArraySlice<CanonicalProduct> = []
    /// Problems found so far, across pages.
    public private(set) var problems: [ParseProblem] = []

    /// A reader over page files (e.g. `page-0001.json`, …), read in the given order; nothing is read
    /// until the first ``next()``.
    /// - Parameters:
    ///   - files: The saved pages.
    ///   - feed: The parser (its site time zone).
    ///   - logger: Receives one `debug` line per page.
    public init(files: [URL], feed: ProductFeed = ProductFeed(), logger: Logger) {
        self.files = files[...]
        self.feed = feed
        self.logger = logger
    }

    /// The next product, or `nil` after the last page. Only one page is in memory at a time.
    ///
    /// - Throws: ``ExtractError`` naming the file when a page cannot be read.
    public func next() throws -> CanonicalProduct? {
        while buffer.isEmpty {
            guard let file = files.popFirst() else { return nil }
            let data: Data
            do {
                data = try Data(contentsOf: file)
            } catch {
                throw ExtractError(.io, "cannot read the page: \(error.localizedDescription)", file: file.path)
            }
            let page = try feed.parsePage(data, file: file.path)
            logger.debug(
                "feed page",
                metadata: ["feed.file": "\(file.lastPathComponent)", "feed.products": "\(page.products.count)"])
            problems.append(contentsOf: page.problems)
            buffer = page.products[...]
        }
        return buffer.popFirst()
    }
}
