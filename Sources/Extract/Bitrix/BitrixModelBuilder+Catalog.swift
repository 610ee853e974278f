import BackstopModel
import Logging

extension BitrixModelBuilder {
    func consumeElement(_ row: DumpRow) {
        sawElements = true
        guard let id = requiredInt(row, "ID"), let iblock = requiredInt(row, "IBLOCK_ID") else { return }
        guard configuration.catalogIblockIDs.contains(iblock) else { return skip("b_iblock_element: other iblock") }
        if let parent = row["WF_PARENT_ELEMENT_ID"], !parent.isNull {
            return skip("b_iblock_element: workflow copy")
        }
        let active = text(row, "ACTIVE") ?? "Y"
        if active != "Y" && active != "N" { problem(row, "ACTIVE", "neither Y nor N; read as inactive", raw: row["ACTIVE"]) }
        elements[id] = Element(
            id: id, iblockID: iblock, name: text(row, "NAME") ?? "", active: active,
            activeFrom: dateTime(row, "ACTIVE_FROM"), activeTo: dateTime(row, "ACTIVE_TO"),
            previewPicture: optionalInt(row, "PREVIEW_PICTURE"), detailPicture: optionalInt(row, "DETAIL_PICTURE"),
            detailText: text(row, "DETAIL_TEXT"), dateCreate: dateTime(row, "DATE_CREATE"))
        // Value rows buffered before this element was known stay; nothing else to do.
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

    var propertyReferences: [BitrixConfiguration.PropertyReference] {
        [configuration.readyProperty, configuration.widthProperty, configuration.heightProperty, configuration.galleryProperty]
    }

    func consumePropertyValue(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID"), let property = requiredInt(row, "IBLOCK_PROPERTY_ID"),
              let element = requiredInt(row, "IBLOCK_ELEMENT_ID")
        else { return }
        let wanted = wantedProperties
        if !wanted.ids.contains(property) {
            // Keep unknown properties only while a code is unresolved, and only for catalog elements
            // (elements precede their values in an alphabetical dump).
            guard wanted.unresolved, !sawElements || elements[element] != nil else { return }
        }
        propertyValues[property, default: []].append(PropertyValue(id: id, elementID: element, value: text(row, "VALUE") ?? ""))
    }

    func consumePropertyDefinition(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID"), let code = text(row, "CODE") else { return }
        guard propertyReferences.contains(where: { $0.code == code && $0.id == nil }) else { return }
        if let iblock = optionalInt(row, "IBLOCK_ID"), !configuration.catalogIblockIDs.contains(iblock) { return }
        propertyCodes[id] = code
    }

    func consumePrice(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID"), let product = requiredInt(row, "PRODUCT_ID"),
              let group = requiredInt(row, "CATALOG_GROUP_ID")
        else { return }
        let currency = text(row, "CURRENCY") ?? ""
        prices[product, default: []].append(Price(
            id: id, group: group, currency: currency, kopecks: kopecks(row, "PRICE", scale: 2),
            quantityFrom: optionalInt(row, "QUANTITY_FROM") ?? 0))
    }

    func consumeGroup(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID") else { return }
        if text(row, "BASE") == "Y" { baseGroups.append(id) }
    }

    func consumeFile(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID") else { return }
        guard let name = text(row, "FILE_NAME"), !name.isEmpty else {
            return problem(row, "FILE_NAME", "empty file name")
        }
        files[id] = File(subdir: text(row, "SUBDIR") ?? "", name: name)
    }

    // MARK: Building products

    var basePriceGroup: Int64 { baseGroups.first ?? configuration.defaultBasePriceGroupID }

    func buildProducts() -> [CanonicalProduct] {
        if baseGroups.count > 1 {
            problems.append(ParseProblem(
                source: "b_catalog_group", key: baseGroups.map(String.init).joined(separator: ","), field: "BASE",
                reason: "several base price groups; using the first"))
        }
        let wanted = wantedProperties
        func values(_ reference: BitrixConfiguration.PropertyReference) -> [Int64: [PropertyValue]] {
            guard let id = reference.id ?? propertyCodes.first(where: { $0.value == reference.code })?.key else { return [:] }
            return Dictionary(grouping: (propertyValues[id] ?? []).sorted { $0.id < $1.id }, by: \.elementID)
        }
        let sellers = Dictionary(grouping: (propertyValues[configuration.sellerPropertyID] ?? []).sorted { $0.id < $1.id }, by: \.elementID)
        let ready = values(configuration.readyProperty)
        let widths = values(configuration.widthProperty)
        let heights = values(configuration.heightProperty)
        let gallery = values(configuration.galleryProperty)
        if wanted.unresolved {
            logger.debug("bitrix property codes not found in b_iblock_property", metadata: ["bitrix.codes": "\(propertyReferences.map(\.code))"])
        }

        var products: [CanonicalProduct] = []
        products.reserveCapacity(elements.count)
        for element in elements.values.sorted(by: { $0.id < $1.id }) {
            let key = String(element.id)
            func problem(_ source: String, _ field: String, _ raw: String?, _ reason: String) {
                problems.append(ParseProblem(source: source, key: key, field: field, rawValue: raw, reason: reason))
            }
            var shop: Int64? = nil
            if let seller = sellers[element.id]?.first {
                shop = DumpValue.string(Array(seller.value.utf8)).int64
                if shop == nil { problem("b_iblock_element_property", "PROPERTY_\(configuration.sellerPropertyID)", seller.value, "seller is not an element id") }
            }
            if let filter = configuration.shopFilter, shop != filter {
                skip("b_iblock_element: other seller")
                continue
            }
            var product = CanonicalProduct(id: element.id, shopID: shop, name: element.name)
            product.price = basePrice(element.id, problem: problem)
            product.enabled = element.active == "Y"
                && (element.activeFrom.map { $0 <= nowText } ?? true)
                && (element.activeTo.map { $0 >= nowText } ?? true)
            let readyValue = ready[element.id]?.first?.value ?? ""
            product.type = ["", "N", "0", "false"].contains(readyValue) ? .catalog : .vitrina
            product.width = dimension(widths[element.id]?.first, field: configuration.widthProperty.code, problem: problem)
            product.height = dimension(heights[element.id]?.first, field: configuration.heightProperty.code, problem: problem)
            product.description = element.detailText
            product.createdAt = element.dateCreate

            var fileIDs: [Int64] = []
            for id in [element.previewPicture, element.detailPicture].compactMap({ $0 }) where !fileIDs.contains(id) {
                fileIDs.append(id)
            }
            for value in gallery[element.id] ?? [] {
                guard let id = DumpValue.string(Array(value.value.utf8)).int64 else {
                    problem("b_iblock_element_property", configuration.galleryProperty.code, value.value, "gallery value is not a file id")
                    continue
                }
                if !fileIDs.contains(id) { fileIDs.append(id) }
            }
            for id in fileIDs {
                guard let file = files[id] else {
                    problem("b_file", "ID", String(id), "referenced file is missing")
                    continue
                }
                product.images.append(BitrixFileURL.url(base: configuration.baseURL, uploadDirectory: configuration.uploadDirectory,
                                                        subdir: file.subdir, fileName: file.name))
            }
            product.image = product.images.first
            products.append(product)
        }
        return products
    }

    func basePrice(_ product: Int64, problem: (String, String, String?, String) -> Void) -> Kopecks? {
        let base = (prices[product] ?? []).filter { $0.group == basePriceGroup }
        guard !base.isEmpty else { return nil }
        let inCurrency = base.filter { $0.currency == configuration.baseCurrency }
        guard let chosen = inCurrency.min(by: { ($0.quantityFrom, $0.id) < ($1.quantityFrom, $1.id) }) else {
            problem("b_catalog_price", "CURRENCY", base.map(\.currency).joined(separator: ","),
                    "base price not in \(configuration.baseCurrency)")
            return nil
        }
        return chosen.kopecks
    }

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
