import BackstopModel
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
        let name = text(row, c.name) ?? ""
        elementNames[id] = name
        elements[id] = Element(
            id: id, iblockID: iblock, name: name, active: active,
            activeFrom: dateTime(row, c.activeFrom), activeTo: dateTime(row, c.activeTo),
            previewPicture: optionalInt(row, c.preview, "PREVIEW_PICTURE", id: c.id),
            detailPicture: optionalInt(row, c.detail, "DETAIL_PICTURE", id: c.id),
            detailText: text(row, c.detailText), dateCreate: dateTime(row, c.dateCreate),
            timestamp: dateTime(row, c.timestamp))
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
            guard propertyCodesUnresolved, !sawElements || elementNames[element] != nil else { return }
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

    /// Recomputes the kept property ids after a code was resolved.
    func refreshWantedProperties() {
        let wanted = wantedProperties
        wantedIDs = wanted.ids
        propertyCodesUnresolved = wanted.unresolved
    }

    /// Keeps a `b_catalog_price` row (every group and currency; ``basePrice(_:problem:)`` chooses).
    func consumePrice(_ row: DumpRow, _ c: PriceColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id),
            let product = requiredInt(row, c.product, "PRODUCT_ID", id: c.id),
            let group = requiredInt(row, c.group, "CATALOG_GROUP_ID", id: c.id)
        else { return }
        let currency = text(row, c.currency) ?? ""
        prices[product, default: []].append(
            Price(
                id: id, group: group, currency: currency, kopecks: kopecks(row, c.price, "PRICE", scale: 2, id: c.id),
                quantityFrom: int(row, c.quantityFrom) ?? 0))
    }

    /// Notes the price groups marked `BASE = 'Y'`.
    func consumeGroup(_ row: DumpRow, _ c: GroupColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        if bytes(row, c.base, equal: "Y") { baseGroups.append(id) }
    }

    /// Keeps a `b_file` row's location (every file: pictures are joined after the last row).
    func consumeFile(_ row: DumpRow, _ c: FileColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        guard let name = text(row, c.name), !name.isEmpty else {
            return problem(row, c.id, "FILE_NAME", "empty file name")
        }
        files[id] = File(subdir: text(row, c.subdir) ?? "", name: name)
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
    /// - Parameter now: The snapshot time as site wall-clock text.
    /// - Returns: One product per catalog element of the seller in scope.
    func buildProducts(snapshot now: String) -> [CanonicalProduct] {
        if baseGroups.count > 1 {
            problems.append(
                ParseProblem(
                    source: "b_catalog_group", key: baseGroups.map(String.init).joined(separator: ","), field: "BASE",
                    reason: "several base price groups; using the first"))
        }
        func values(_ reference: BitrixConfiguration.PropertyReference) -> [Int64: [PropertyValue]] {
            guard let id = reference.id ?? propertyCodes.first(where: { $0.value == reference.code })?.key else {
                return [:]
            }
            return Dictionary(grouping: (propertyValues[id] ?? []).sorted { $0.id < $1.id }, by: \.elementID)
        }
        let sellers = Dictionary(
            grouping: (propertyValues[configuration.sellerPropertyID] ?? []).sorted { $0.id < $1.id }, by: \.elementID)
        let ready = values(configuration.readyProperty)
        let widths = values(configuration.widthProperty)
        let heights = values(configuration.heightProperty)
        let catalogWidths = values(configuration.catalogWidthProperty)
        let catalogHeights = values(configuration.catalogHeightProperty)
        let gallery = values(configuration.galleryProperty)
        if propertyCodesUnresolved {
            logger.debug(
                "bitrix property codes not found in b_iblock_property",
                metadata: ["bitrix.codes": "\(propertyReferences.map(\.code))"])
        }

        // The raw rows are not needed past this point (``finish(completedAt:)`` runs once): freeing them
        // before the products are made lowers the run's peak memory.
        propertyValues = [:]
        let sortedElements = elements.values.sorted(by: { $0.id < $1.id })
        elements = [:]
        var products: [CanonicalProduct] = []
        products.reserveCapacity(sortedElements.count)
        for element in sortedElements {
            let key = String(element.id)
            func problem(_ source: String, _ field: String, _ raw: String?, _ reason: String) {
                problems.append(ParseProblem(source: source, key: key, field: field, rawValue: raw, reason: reason))
            }
            var shop: Int64? = nil
            if let seller = sellers[element.id]?.first {
                shop = DumpValue.string(Array(seller.value.utf8)).int64
                if shop == nil {
                    problem(
                        "b_iblock_element_property", "PROPERTY_\(configuration.sellerPropertyID)", seller.value,
                        "seller is not an element id")
                }
            }
            if let filter = configuration.shopFilter, shop != filter {
                skip("b_iblock_element: other seller")
                continue
            }
            var product = CanonicalProduct(id: element.id, shopID: shop, name: element.name)
            product.price = basePrice(element.id, problem: problem)
            product.enabled =
                element.active
                && (element.activeFrom.map { $0 <= now } ?? true)
                && (element.activeTo.map { $0 >= now } ?? true)
            let readyValue = ready[element.id]?.first?.value ?? ""
            product.type = ["", "N", "0", "false"].contains(readyValue) ? .catalog : .vitrina
            product.width =
                dimension(widths[element.id]?.first, field: configuration.widthProperty.code, problem: problem)
                ?? dimension(
                    catalogWidths[element.id]?.first, field: configuration.catalogWidthProperty.code, problem: problem)
            product.height =
                dimension(heights[element.id]?.first, field: configuration.heightProperty.code, problem: problem)
                ?? dimension(
                    catalogHeights[element.id]?.first, field: configuration.catalogHeightProperty.code, problem: problem
                )
            product.description = element.detailText
            product.createdAt = element.dateCreate
            product.updatedAt = element.timestamp

            var fileIDs: [Int64] = []
            for id in [element.previewPicture, element.detailPicture].compactMap({ $0 }) where !fileIDs.contains(id) {
                fileIDs.append(id)
            }
            for value in gallery[element.id] ?? [] {
                guard let id = DumpValue.string(Array(value.value.utf8)).int64 else {
                    problem(
                        "b_iblock_element_property", configuration.galleryProperty.code, value.value,
                        "gallery value is not a file id")
                    continue
                }
                if !fileIDs.contains(id) { fileIDs.append(id) }
            }
            for id in fileIDs {
                guard let file = files[id] else {
                    problem("b_file", "ID", String(id), "referenced file is missing")
                    continue
                }
                product.images.append(
                    BitrixFileURL.url(
                        base: configuration.baseURL, uploadDirectory: configuration.uploadDirectory,
                        subdir: file.subdir, fileName: file.name))
            }
            product.image = product.images.first
            products.append(product)
        }
        return products
    }

    /// The product's list price: its base-group price in the base currency with the lowest `QUANTITY_FROM`
    /// (then the lowest id). `nil` without a base price, or with a problem when every base price is in
    /// another currency.
    func basePrice(_ product: Int64, problem: (String, String, String?, String) -> Void) -> Kopecks? {
        let base = (prices[product] ?? []).filter { $0.group == basePriceGroup }
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
