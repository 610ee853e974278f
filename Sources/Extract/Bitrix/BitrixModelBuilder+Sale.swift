import BackstopModel

extension BitrixModelBuilder {
    func consumeOrder(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID") else { return }
        if let site = text(row, "LID"), site != configuration.siteID { return skip("b_sale_order: other site") }
        guard let status = text(row, "STATUS_ID"), !status.isEmpty else {
            return problem(row, "STATUS_ID", "empty status", raw: row["STATUS_ID"])
        }
        orders[id] = Order(
            id: id, status: status, total: kopecks(row, "PRICE", scale: 4), delivery: kopecks(row, "PRICE_DELIVERY", scale: 4),
            currency: text(row, "CURRENCY") ?? "", userID: optionalInt(row, "USER_ID"), xmlID: text(row, "XML_ID"),
            created: dateTime(row, "DATE_INSERT"))
    }

    func consumeBasket(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID") else { return }
        guard let order = optionalInt(row, "ORDER_ID") else { return skip("b_sale_basket: cart line without order") }
        guard let product = requiredInt(row, "PRODUCT_ID"), let price = kopecks(row, "PRICE", scale: 4) else { return }
        // QUANTITY is DOUBLE(18,4): kept exact in 1/10000 units; a double that needs more digits is reported.
        guard let quantity = row["QUANTITY"]?.scaledDecimal(scale: 4) else {
            return problem(row, "QUANTITY", "not a decimal with at most 4 places", raw: row["QUANTITY"])
        }
        basket[order, default: []].append(BasketLine(
            id: id, productID: product, name: text(row, "NAME") ?? "", price: price, quantity: quantity))
    }

    func consumeOrderProp(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID"), let order = requiredInt(row, "ORDER_ID") else { return }
        let code = text(row, "CODE").flatMap { $0.isEmpty ? nil : $0 }
        if let code, !configuration.orderPropertyCodes.all.contains(code) { return }
        orderProps[order, default: []].append(OrderProp(
            id: id, propsID: optionalInt(row, "ORDER_PROPS_ID"), code: code, value: text(row, "VALUE") ?? ""))
    }

    func consumeOrderPropDefinition(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID"), let code = text(row, "CODE") else { return }
        if configuration.orderPropertyCodes.all.contains(code) { orderPropCodes[id] = code }
    }

    func buildOrders() -> [CanonicalOrder] {
        let codes = configuration.orderPropertyCodes
        var result: [CanonicalOrder] = []
        result.reserveCapacity(orders.count)
        for order in orders.values.sorted(by: { $0.id < $1.id }) {
            let key = String(order.id)
            func problem(_ source: String, _ field: String, _ raw: String?, _ reason: String) {
                problems.append(ParseProblem(source: source, key: key, field: field, rawValue: raw, reason: reason))
            }
            var props: [String: String] = [:]
            for prop in (orderProps[order.id] ?? []).sorted(by: { $0.id < $1.id }) {
                guard let code = prop.code ?? prop.propsID.flatMap({ orderPropCodes[$0] }) else { continue }
                if props[code] == nil { props[code] = prop.value }
            }
            func first(_ list: [String]) -> String? {
                list.lazy.compactMap { props[$0] }.first { !$0.isEmpty }
            }
            func phone(_ list: [String], field: String) -> String? {
                guard let raw = first(list) else { return nil }
                guard let normalized = PhoneNumber.normalize(raw) else {
                    problem("b_sale_order_props_value", field, raw, "phone cannot be normalised to +7XXXXXXXXXX")
                    return nil
                }
                return normalized
            }
            var canonical = CanonicalOrder(
                bitrixID: order.id, bitrixStatus: order.status, total: order.total ?? Kopecks(0),
                deliveryCost: order.delivery ?? Kopecks(0), currency: order.currency, userID: order.userID,
                createdAt: order.created)
            if let xml = order.xmlID, xml.hasPrefix("railway-") {
                if let id = Int64(xml.dropFirst("railway-".count)), id > 0 {
                    canonical.catalogID = id
                } else {
                    problem("b_sale_order", "XML_ID", xml, "railway- link without a numeric id")
                }
            }
            if let shop = first(codes.shopID) {
                canonical.shopID = Int64(shop)
                if canonical.shopID == nil { problem("b_sale_order_props_value", "shopId", shop, "not an integer") }
            }
            canonical.customerName = first(codes.customerName)
            canonical.phone = phone(codes.phone, field: "phone")
            canonical.recipientName = first(codes.recipientName)
            canonical.recipientPhone = phone(codes.recipientPhone, field: "phoneRecipient")
            canonical.deliveryAddress = first(codes.deliveryAddress)
            canonical.items = (basket.removeValue(forKey: order.id) ?? []).sorted { $0.id < $1.id }.map {
                CanonicalOrderItem(productID: $0.productID, name: $0.name, price: $0.price, quantityTenThousandths: $0.quantity)
            }
            result.append(canonical)
        }
        for (order, lines) in basket where orders[order] == nil {
            skipped["b_sale_basket: order not read", default: 0] += lines.count
        }
        return result
    }
}
