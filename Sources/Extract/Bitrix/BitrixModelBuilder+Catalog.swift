import BackstopModel
import Foundation
import Logging

extension BitrixModelBuilder {
    /// Keeps a `b_iblock_element` row: every id is recorded (existence and sequence checks), seller
    /// elements are noted, and only catalog-iblock elements that are not workflow copies
    /// (`WF_PARENT_ELEMENT_ID` set) become ``Element``s.
    func consumeElement(_ row: DumpRow, _ c: ElementColumns) {
        sawElements = true
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        allElementIDs.append(id)
        noteRowTime(row, c.timestamp)
        guard let iblock = requiredInt(row, c.iblock, "IBLOCK_ID", id: c.id) else { return }
        if iblock == configuration.sellerIblockID { sellerIDs.insert(id) }
        guard configuration.catalogIblockIDs.contains(iblock) else { return skip("b_iblock_element: other iblock") }
        if !isNull(row, c.parent) { return skip("b_iblock_element: workflow copy") }
        var active = true
        if !isNull(row, c.active) && !bytes(row, c.active, equal: "Y") {
            active = false
            if !bytes(row, c.active, equal: "N") {
                problem(row, c.id, "ACTIVE", "neither Y nor N; read as inactive", raw: c.active)
            }
        }
        let start = elementText.count
        let text = ElementText(
            start: start, name: keepText(row, c.name) ?? 0, detailText: keepText(row, c.detailText) ?? -1,
            activeFrom: keepDateTime(row, c.activeFrom), activeTo: keepDateTime(row, c.activeTo),
            dateCreate: keepDateTime(row, c.dateCreate), timestamp: keepDateTime(row, c.timestamp))
        let element = Element(
            id: id, iblockID: iblock, active: active,
            previewPicture: optionalInt(row, c.preview, "PREVIEW_PICTURE", id: c.id),
            detailPicture: optionalInt(row, c.detail, "DETAIL_PICTURE", id: c.id), text: text)
        // A repeated id replaces the element read before (the last row wins, as in a table reload); its
        // earlier bytes stay unused in the buffer.
        if let position = elementIndex[id] {
            elements[position] = element
        } else {
            elementIndex[id] = elements.count
            elements.append(element)
        }
    }

    /// Appends the bytes of column `index` to ``elementText``; their count, `nil` for NULL or absent.
    func keepText(_ row: DumpRow, _ index: Int) -> Int32? {
        guard index >= 0, index < row.count else { return nil }
        return unsafe row.withBytes(at: index) { bytes -> Int32? in
            guard let bytes = unsafe bytes else { return nil }
            unsafe elementText.append(contentsOf: bytes)
            return Int32(bytes.count)
        }
    }

    /// ``dateTime(_:_:)`` kept as bytes: appended to ``elementText``, their count, or `-1` for NULL, empty
    /// and zero dates (`0000-00-00…`, decided by the string rule when the bytes start that way).
    func keepDateTime(_ row: DumpRow, _ index: Int) -> Int32 {
        guard index >= 0, index < row.count else { return -1 }
        let zeroDate: StaticString = "0000-00-00"
        let looksZero = unsafe row.withBytes(at: index) { bytes in
            guard let bytes = unsafe bytes, bytes.count >= zeroDate.utf8CodeUnitCount, let base = bytes.baseAddress
            else { return false }
            return unsafe memcmp(base, zeroDate.utf8Start, zeroDate.utf8CodeUnitCount) == 0
        }
        // The rare zero-looking date goes through the string rule itself (a combining mark after the last
        // digit makes it another character, and the value a date).
        if looksZero && dateTime(row, index) == nil { return -1 }
        guard let count = keepText(row, index) else { return -1 }
        return count > 0 ? count : -1
    }

    /// The `NAME` bytes of catalog element `id`, `nil` when no such element was read (yet).
    func elementName(_ id: Int64) -> ArraySlice<UInt8>? {
        elementIndex[id].map { elementText[elements[$0].text.nameRange] }
    }

    /// The property ids whose values are kept, and whether some configured codes are still unresolved.
    var wantedProperties: (ids: Set<Int64>, unresolved: Bool) {
        var ids: Set<Int64> = [configuration.sellerPropertyID]
        var unresolved = false
        for reference in propertyReferences {
            if let id = reference.id ?? propertyCodes.first(where: { $0.value == reference.code })?.key {
                ids.insert(id)
            } else {
                unresolved = true
            }
        }
        return (ids, unresolved)
    }

    /// The configured properties the model reads besides the seller: ready flag, vitrina and catalog sizes,
    /// gallery.
    var propertyReferences: [BitrixConfiguration.PropertyReference] {
        [
            configuration.readyProperty, configuration.widthProperty, configuration.heightProperty,
            configuration.catalogWidthProperty, configuration.catalogHeightProperty, configuration.galleryProperty,
        ]
    }

    /// Keeps a `b_iblock_element_property` row of a wanted property. `b_iblock_element_property` sorts
    /// before `b_iblock_property` in an alphabetical dump, so while a configured code is not resolved to
    /// an id yet, values of every property of catalog elements are kept and sorted out in
    /// ``buildProducts(snapshot:)``.
    func consumePropertyValue(_ row: DumpRow, _ c: PropertyValueColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id),
            let property = requiredInt(row, c.property, "IBLOCK_PROPERTY_ID", id: c.id),
            let element = requiredInt(row, c.element, "IBLOCK_ELEMENT_ID", id: c.id)
        else { return }
        if property != configuration.sellerPropertyID && !wantedIDs.contains(property) {
            // Keep unknown properties only while a code is unresolved, and only for catalog elements
            // (elements precede their values in an alphabetical dump).
            guard propertyCodesUnresolved, !sawElements || elementIndex[element] != nil else { return }
        }
        propertyValues[property, default: []].append(
            PropertyValue(id: id, elementID: element, value: text(row, c.value) ?? ""))
    }

    /// Resolves a configured property code (`IS_READY`, `WIDTH`, …) to its `b_iblock_property.ID`, for
    /// properties of the catalog iblocks only.
    func consumePropertyDefinition(_ row: DumpRow, _ c: PropertyColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id), let code = text(row, c.code) else { return }
        guard propertyReferences.contains(where: { $0.code == code && $0.id == nil }) else { return }
        if let iblock = int(row, c.iblock), !configuration.catalogIblockIDs.contains(iblock) { return }
        propertyCodes[id] = code
        refreshWantedProperties()
    }

    /// Recomputes the kept property ids after a code was resolved. Once every code is resolved, the values
    /// kept meanwhile of properties no configured code names are released (the rest of the catalog
    /// iblock's properties, read before `b_iblock_property` told which ones are wanted).
    func refreshWantedProperties() {
        let wanted = wantedProperties
        wantedIDs = wanted.ids
        propertyCodesUnresolved = wanted.unresolved
        if !propertyCodesUnresolved && propertyValues.keys.contains(where: { !keepsValues(of: $0) }) {
            propertyValues = propertyValues.filter { keepsValues(of: $0.key) }
        }
    }

    /// Whether values of property `id` may still be read by ``buildProducts(snapshot:)``: the seller, a
    /// pinned id, or a property whose code is configured.
    private func keepsValues(of id: Int64) -> Bool {
        wantedIDs.contains(id) || propertyCodes[id] != nil
    }

    /// Keeps a `b_catalog_price` row (every group and currency; ``basePrice(_:problem:)`` chooses).
    func consumePrice(_ row: DumpRow, _ c: PriceColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id),
            let product = requiredInt(row, c.product, "PRODUCT_ID", id: c.id),
            let group = requiredInt(row, c.group, "CATALOG_GROUP_ID", id: c.id)
        else { return }
        let currency = text(row, c.currency) ?? ""
        prices.append(
            Price(
                product: product, id: id, group: group, currency: currency,
                kopecks: kopecks(row, c.price, "PRICE", scale: 2, id: c.id), quantityFrom: int(row, c.quantityFrom) ?? 0
            ))
    }

    /// Notes the price groups marked `BASE = 'Y'`.
    func consumeGroup(_ row: DumpRow, _ c: GroupColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        if bytes(row, c.base, equal: "Y") { baseGroups.append(id) }
    }

    /// Keeps a `b_file` row's location (every file: pictures are joined after the last row).
    func consumeFile(_ row: DumpRow, _ c: FileColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        let nameCount = c.name >= 0 && c.name < row.count ? unsafe row.withBytes(at: c.name) { unsafe $0?.count } : nil
        guard let nameCount, nameCount > 0 else { return problem(row, c.id, "FILE_NAME", "empty file name") }
        let offset = fileBytes.count
        var subdirCount = 0
        if c.subdir >= 0 && c.subdir < row.count {
            unsafe row.withBytes(at: c.subdir) { bytes in
                guard let bytes = unsafe bytes else { return }
                subdirCount = bytes.count
                unsafe fileBytes.append(contentsOf: bytes)
            }
        }
        unsafe row.withBytes(at: c.name) { bytes in
            if let bytes = unsafe bytes { unsafe fileBytes.append(contentsOf: bytes) }
        }
        fileIDs.append(id)
        fileRefs.append(FileRef(offset: offset, subdirCount: UInt32(subdirCount), nameCount: UInt32(nameCount)))
    }

    /// The files by id, the last row of a repeated id winning: ``fileIDs`` ascending with ``fileRefs``
    /// alongside (a dump's primary-key order already is; anything else is sorted once).
    func sortFiles() {
        var ascending = true
        for k in fileIDs.indices.dropFirst() where fileIDs[k - 1] >= fileIDs[k] {
            ascending = false
            break
        }
        guard !ascending else { return }
        let order = fileIDs.indices.sorted { (fileIDs[$0], $0) < (fileIDs[$1], $1) }
        var ids: [Int64] = []
        var refs: [FileRef] = []
        for (k, position) in order.enumerated() where k + 1 == order.count || fileIDs[order[k + 1]] != fileIDs[position]
        {
            ids.append(fileIDs[position])
            refs.append(fileRefs[position])
        }
        fileIDs = ids
        fileRefs = refs
    }

    /// The position of file `id` in ``fileIDs`` (after ``sortFiles()``), `nil` when the dump has no such file.
    func filePosition(_ id: Int64) -> Int? { SortedSearch.first(id, count: fileIDs.count) { fileIDs[$0] } }

    /// The `SUBDIR` and `FILE_NAME` of the file at `position` in ``fileIDs``.
    func file(at position: Int) -> (subdir: String, name: String) {
        let ref = fileRefs[position]
        let subdirEnd = ref.offset + Int(ref.subdirCount)
        return (
            String(decoding: fileBytes[ref.offset..<subdirEnd], as: UTF8.self),
            String(decoding: fileBytes[subdirEnd..<(subdirEnd + Int(ref.nameCount))], as: UTF8.self)
        )
    }

    // MARK: Building products

    /// The base price group: the dump's `BASE = 'Y'` group, else the configured default.
    var basePriceGroup: Int64 { baseGroups.first ?? configuration.defaultBasePriceGroupID }

    /// The canonical products, in id order.
    ///
    /// Per element: the seller from the seller property (skipped when a shop filter names another), the
    /// base price, `enabled` = `ACTIVE` and within `ACTIVE_FROM`/`ACTIVE_TO` at `now`, the type from the
    /// ready flag (empty, `N`, `0` or `false` is catalog, anything else vitrina), vitrina sizes falling
    /// back to catalog sizes, and the images: preview, detail, then the gallery, each file once, as
    /// public URLs. A multi-valued property contributes its first value by `ID`.
    ///
    /// Every input is walked once in element id order: the elements are sorted, each property's values
    /// and the prices are sorted by element in place, and a cursor per input advances with the elements.
    /// Grouping them into a dictionary of arrays per property (an array per element, millions at the `l`
    /// world) was the largest transient of a run. The raw rows are released once the products are made.
    /// - Parameter now: The snapshot time as site wall-clock text; `nil` for an early build
    ///   (``buildProductsEarly()``), whose products with activity dates are noted in ``earlyProducts`` and
    ///   completed by ``finish(completedAt:)``, and which keeps the names of the elements made no product.
    /// - Returns: One product per catalog element of the seller in scope.
    func buildProducts(snapshot now: String?) -> [CanonicalProduct] {
        if baseGroups.count > 1 {
            problems.append(
                ParseProblem(
                    source: "b_catalog_group", key: baseGroups.map(String.init).joined(separator: ","), field: "BASE",
                    reason: "several base price groups; using the first"))
        }
        func propertyID(_ reference: BitrixConfiguration.PropertyReference) -> Int64? {
            reference.id ?? propertyCodes.first(where: { $0.value == reference.code })?.key
        }
        let ids = (
            ready: propertyID(configuration.readyProperty), width: propertyID(configuration.widthProperty),
            height: propertyID(configuration.heightProperty),
            catalogWidth: propertyID(configuration.catalogWidthProperty),
            catalogHeight: propertyID(configuration.catalogHeightProperty),
            gallery: propertyID(configuration.galleryProperty)
        )
        let read = [
            configuration.sellerPropertyID, ids.ready, ids.width, ids.height, ids.catalogWidth,
            ids.catalogHeight, ids.gallery,
        ]
        for id in Set(read.compactMap { $0 }) {
            propertyValues[id]?.sort { ($0.elementID, $0.id) < ($1.elementID, $1.id) }
        }
        func column(_ id: Int64?) -> PropertyColumn { PropertyColumn(id.flatMap { propertyValues[$0] } ?? []) }
        var sellers = column(configuration.sellerPropertyID)
        var ready = column(ids.ready)
        var widths = column(ids.width)
        var heights = column(ids.height)
        var catalogWidths = column(ids.catalogWidth)
        var catalogHeights = column(ids.catalogHeight)
        var gallery = column(ids.gallery)
        if propertyCodesUnresolved {
            logger.debug(
                "bitrix property codes not found in b_iblock_property",
                metadata: ["bitrix.codes": "\(propertyReferences.map(\.code))"])
        }
        // The columns hold the values read; the rest are not needed past this point.
        propertyValues = [:]
        elementIndex = [:]
        elements.sort { $0.id < $1.id }
        sortPrices()
        sortFiles()
        var nextPrice = 0
        var twins = TwinCursor(catalogProducts?() ?? [])
        catalogProducts = nil
        if let supply = productsScope {
            productsScope = nil
            scope.products = supply()
        }

        var products: [CanonicalProduct] = []
        products.reserveCapacity(elements.count)
        // Names and descriptions of products without an equal catalog twin, held once each (a quarter of
        // the `l` world's products: 85 MB of repeated text).
        let pool = TextPool()
        for element in elements {
            let key = String(element.id)
            func problem(_ source: String, _ field: String, _ raw: String?, _ reason: String) {
                problems.append(ParseProblem(source: source, key: key, field: field, rawValue: raw, reason: reason))
            }
            // The element's prices: the rows from `nextPrice` with its id (prices of other ids are skipped).
            while nextPrice < prices.count && prices[nextPrice].product < element.id { nextPrice += 1 }
            let firstPrice = nextPrice
            while nextPrice < prices.count && prices[nextPrice].product == element.id { nextPrice += 1 }
            var shop: Int64? = nil
            if let seller = sellers.values(of: element.id).first {
                shop = DumpValue.string(Array(seller.value.utf8)).int64
                if shop == nil {
                    problem(
                        "b_iblock_element_property", "PROPERTY_\(configuration.sellerPropertyID)", seller.value,
                        "seller is not an element id")
                }
            }
            // Every column moves past this element, kept or not, so the next element finds its values.
            let readyValue = ready.values(of: element.id).first?.value ?? ""
            let width = widths.values(of: element.id).first
            let height = heights.values(of: element.id).first
            let catalogWidth = catalogWidths.values(of: element.id).first
            let catalogHeight = catalogHeights.values(of: element.id).first
            let galleryValues = gallery.values(of: element.id)
            if let filter = configuration.shopFilter, shop != filter {
                skip("b_iblock_element: other seller")
                continue
            }
            let twin = twins.product(element.id)
            // Out of scope (another seller's product the catalog does not hold): no product is made, but
            // its values are checked as any other's, so the problems are the same.
            let kept = scope.products?.keeps(id: element.id, seller: shop) ?? true
            let price = basePrice(prices[firstPrice..<nextPrice], problem: problem)
            let text = element.text.ranges.map { range in range.map { elementText[$0] } }
            let activeFrom = text[2].map { String(decoding: $0, as: UTF8.self) }
            let activeTo = text[3].map { String(decoding: $0, as: UTF8.self) }
            // Without the snapshot time, an active element with a date is decided in `finish`.
            let pending = now == nil && element.active && (activeFrom != nil || activeTo != nil)
            let enabled =
                element.active && (now.map { Self.isActive(at: $0, from: activeFrom, to: activeTo) } ?? !pending)
            let type: ProductType = ["", "N", "0", "false"].contains(readyValue) ? .catalog : .vitrina
            let productWidth =
                dimension(width, field: configuration.widthProperty.code, problem: problem)
                ?? dimension(catalogWidth, field: configuration.catalogWidthProperty.code, problem: problem)
            let productHeight =
                dimension(height, field: configuration.heightProperty.code, problem: problem)
                ?? dimension(catalogHeight, field: configuration.catalogHeightProperty.code, problem: problem)

            var fileIDs: [Int64] = []
            for id in [element.previewPicture, element.detailPicture].compactMap({ $0 }) where !fileIDs.contains(id) {
                fileIDs.append(id)
            }
            for value in galleryValues {
                guard let id = DumpValue.string(Array(value.value.utf8)).int64 else {
                    problem(
                        "b_iblock_element_property", configuration.galleryProperty.code, value.value,
                        "gallery value is not a file id")
                    continue
                }
                if !fileIDs.contains(id) { fileIDs.append(id) }
            }
            var images = ProductImageList.Builder()
            for id in fileIDs {
                guard let position = filePosition(id) else {
                    problem("b_file", "ID", String(id), "referenced file is missing")
                    continue
                }
                guard kept else { continue }
                let file = file(at: position)
                images.append(
                    BitrixFileURL.url(
                        base: configuration.baseURL, uploadDirectory: configuration.uploadDirectory,
                        subdir: file.subdir, fileName: file.name))
            }
            guard kept else {
                productsOutOfScope += 1
                continue
            }
            var product = CanonicalProduct(
                id: element.id, shopID: shop, name: Self.text(text[0] ?? [], sharing: twin?.name, pool: pool),
                price: price, enabled: enabled, type: type, width: productWidth, height: productHeight)
            product.description = text[1].map { Self.text($0, sharing: twin?.description, pool: pool) }
            product.createdAtPacked = text[4].map(Self.wallClock)
            product.updatedAtPacked = text[5].map(Self.wallClock)
            product.imageList = Self.images(images.finish(), sharing: twin?.imageList)
            product.useFirstImage()
            if pending {
                earlyProducts?.pendingActivity.append(
                    .init(position: products.count, from: activeFrom, to: activeTo))
            }
            products.append(product)
        }
        // Basket lines that carry their element's own name take it now (the product's string when the
        // element is a product), before the elements go.
        for k in basket.indices where basket[k].name == nil {
            let id = basket[k].productID
            if let p = SortedSearch.first(id, count: products.count, key: { products[$0].id }) {
                basket[k].name = products[p].name
            } else if let e = SortedSearch.first(id, count: elements.count, key: { elements[$0].id }) {
                basket[k].name = String(decoding: elementText[elements[e].text.nameRange], as: UTF8.self)
            } else {
                basket[k].name = ""
            }
        }
        if earlyProducts != nil { keepOtherElementNames(products) }
        elements = []
        elementText = []
        prices = []
        fileIDs = []
        fileRefs = []
        fileBytes = []
        return products
    }

    /// Whether an element's activity dates include the snapshot time `now` (all three site wall-clock
    /// text, compared as text): `ACTIVE_FROM` at or before it, `ACTIVE_TO` at or after it, a missing date
    /// no bound. The one test of a build at the end and of an early build's pending products.
    static func isActive(at now: String, from: String?, to: String?) -> Bool {
        (from.map { $0 <= now } ?? true) && (to.map { $0 >= now } ?? true)
    }

    /// Keeps, for basket lines read after an early build, the names of the catalog elements (``elements``,
    /// sorted) that are not among `products`.
    private func keepOtherElementNames(_ products: [CanonicalProduct]) {
        var ids: [Int64] = []
        var ends: [Int] = []
        var names: [UInt8] = []
        var next = 0
        for element in elements {
            while next < products.count && products[next].id < element.id { next += 1 }
            if next < products.count && products[next].id == element.id { continue }
            ids.append(element.id)
            names.append(contentsOf: elementText[element.text.nameRange])
            ends.append(names.count)
        }
        earlyProducts?.otherIDs = ids
        earlyProducts?.otherNameEnds = ends
        earlyProducts?.otherNames = names
    }

    /// `bytes` as a string: `candidate` itself when it holds exactly these bytes (one string for the
    /// Bitrix product and its catalog twin), else a new one. Byte equality, not `==`: canonically
    /// equivalent spellings (NFC, NFD) stay what each side holds.
    static func text(_ bytes: ArraySlice<UInt8>, sharing candidate: String?) -> String {
        if let candidate, candidate.hasUTF8(bytes) { return candidate }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `bytes` as a string: `candidate` itself when it holds exactly these bytes, else the string `pool`
    /// holds with these bytes (a new one the first time).
    static func text(_ bytes: ArraySlice<UInt8>, sharing candidate: String?, pool: TextPool) -> String {
        if let candidate, candidate.hasUTF8(bytes) { return candidate }
        return pool.intern(String(decoding: bytes, as: UTF8.self))
    }

    /// The image URLs, or the catalog twin's list when it holds exactly the same bytes (one string for
    /// both sides).
    static func images(_ urls: ProductImageList, sharing twin: ProductImageList?) -> ProductImageList {
        guard let twin, twin.hasSameUTF8(as: urls) else { return urls }
        return twin
    }

    /// Wall-clock text from its bytes, packed (``PackedWallClock``): no string for a well-formed time.
    static func wallClock(_ bytes: ArraySlice<UInt8>) -> PackedWallClock {
        unsafe bytes.withUnsafeBytes { unsafe PackedWallClock(utf8: $0) }
    }

    /// Orders ``prices`` by `PRODUCT_ID`, rows of one product staying in the order read (a dump's
    /// primary-key order usually is by product already: then nothing moves).
    func sortPrices() {
        for k in prices.indices.dropFirst() where prices[k - 1].product > prices[k].product {
            prices = prices.enumerated().sorted { ($0.element.product, $0.offset) < ($1.element.product, $1.offset) }
                .map(\.element)
            return
        }
    }

    /// The product's list price: its base-group price in the base currency with the lowest `QUANTITY_FROM`
    /// (then the lowest id). `nil` without a base price, or with a problem when every base price is in
    /// another currency.
    /// - Parameters:
    ///   - prices: The product's price rows, in the order read.
    ///   - problem: Records a problem of this product.
    /// - Returns: The list price in kopecks, `nil` without one.
    func basePrice(_ prices: ArraySlice<Price>, problem: (String, String, String?, String) -> Void) -> Kopecks? {
        let base = prices.filter { $0.group == basePriceGroup }
        guard !base.isEmpty else { return nil }
        let inCurrency = base.filter { $0.currency == configuration.baseCurrency }
        guard let chosen = inCurrency.min(by: { ($0.quantityFrom, $0.id) < ($1.quantityFrom, $1.id) }) else {
            problem(
                "b_catalog_price", "CURRENCY", base.map(\.currency).joined(separator: ","),
                "base price not in \(configuration.baseCurrency)")
            return nil
        }
        return chosen.kopecks
    }

    /// A size property in whole centimetres (``DimensionText``); an empty value is none, an unreadable one
    /// a problem.
    func dimension(_ value: PropertyValue?, field: String, problem: (String, String, String?, String) -> Void) -> Int? {
        guard let value, !value.value.isEmpty else { return nil }
        switch DimensionText.centimetres(value.value) {
        case .success(let cm): return cm
        case .failure(let failure):
            problem("b_iblock_element_property", field, value.value, failure.description)
            return nil
        }
    }
}
