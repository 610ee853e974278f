import BackstopModel

extension BitrixModelBuilder {
    /// Keeps a `b_sale_order` row of the configured site that is in scope: every id is recorded; with
    /// ``Scope/Orders/linked(referencedBitrixIDs:)`` only orders pushed from the catalog (`XML_ID` =
    /// `railway-N`) or named by a catalog order's `bitrix_order_id` are kept. Money is DECIMAL(18,4),
    /// read exactly and reported when it holds a fraction of a kopeck.
    func consumeOrder(_ row: DumpRow, _ c: OrderColumns) {
        sawOrders = true
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        allOrderIDs.append(id)
        noteRowTime(row, c.updated)
        if !isNull(row, c.site), text(row, c.site) != configuration.siteID { return skip("b_sale_order: other site") }
        var railwayID: Int64?
        if let xml = text(row, c.xmlID), xml.hasPrefix("railway-") {
            if let n = Int64(xml.dropFirst("railway-".count)), n > 0 {
                railwayID = n
            } else {
                problem(row, c.id, "XML_ID", "railway- link without a numeric id", raw: c.xmlID)
            }
        }
        if case .linked(let referenced) = scope.orders, railwayID == nil, !referenced.contains(id) {
            return skip("b_sale_order: not linked to the catalog")
        }
        guard let status = text(row, c.status), !status.isEmpty else {
            return problem(row, c.id, "STATUS_ID", "empty status", raw: c.status)
        }
        lastPropOrder = .min  // a new order invalidates the property rows' cached answer
        orders[id] = Order(
            id: id, status: status, total: kopecks(row, c.price, "PRICE", scale: 4, id: c.id),
            delivery: kopecks(row, c.delivery, "PRICE_DELIVERY", scale: 4, id: c.id),
            currency: text(row, c.currency) ?? "", userID: optionalInt(row, c.user, "USER_ID", id: c.id),
            railwayID: railwayID, created: dateTime(row, c.inserted), updated: dateTime(row, c.updated))
    }

    /// Keeps a `b_sale_basket` line of an order in scope (a line of a cart never ordered, `ORDER_ID`
    /// NULL, is skipped). Lines arriving before their orders (`b_sale_basket` sorts first) are kept and
    /// filtered in ``buildOrders()``.
    func consumeBasket(_ row: DumpRow, _ c: BasketColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        guard let order = int(row, c.order) else {
            if isNull(row, c.order) { return skip("b_sale_basket: cart line without order") }
            return problem(row, c.id, "ORDER_ID", "not an integer", raw: c.order)
        }
        // Orders already read (a dump in another table order): keep only their lines.
        if sawOrders && orders[order] == nil { return skip("b_sale_basket: order not read") }
        guard let product = requiredInt(row, c.product, "PRODUCT_ID", id: c.id),
            let price = kopecks(row, c.price, "PRICE", scale: 4, id: c.id)
        else { return }
        // QUANTITY is DOUBLE(18,4): kept exact in 1/10000 units; a double that needs more digits is reported.
        guard c.quantity >= 0, c.quantity < row.count,
            let quantity = unsafe row.withBytes(
                at: c.quantity, { unsafe $0.flatMap { unsafe DumpNumber.scaledDecimal($0, scale: 4) } })
        else {
            return problem(row, c.id, "QUANTITY", "not a decimal with at most 4 places", raw: c.quantity)
        }
        // Most lines carry the element's own name: keep a string only when it differs.
        var name: String? = nil
        if let early = earlyProducts {
            // The elements are gone: the name is settled now, as the build settles it for earlier lines.
            name = earlyLineName(row, c.name, element: product, early)
        } else {
            let same =
                elementName(product).map { elementName in
                    guard c.name >= 0, c.name < row.count else { return false }
                    return unsafe row.withBytes(at: c.name) { bytes in
                        guard let bytes = unsafe bytes else { return false }
                        return unsafe bytes.count == elementName.count && bytes.elementsEqual(elementName)
                    }
                } ?? false
            if !same { name = text(row, c.name) ?? "" }
        }
        basket.append(
            BasketLine(id: id, orderID: order, productID: product, name: name, price: price, quantity: quantity))
    }

    /// Keeps an order property value of a kept order whose code the configuration reads (or whose code is
    /// not on the row and is resolved later through `ORDER_PROPS_ID`).
    func consumeOrderProp(_ row: DumpRow, _ c: OrderPropValueColumns) {
        guard let order = int(row, c.order) else { return }
        // Nine or so values per order, in order: only the orders kept are looked at further, and the
        // answer for the previous row's order is reused.
        if sawOrders {
            if order != lastPropOrder {
                lastPropOrder = order
                lastPropOrderKept = orders[order] != nil
            }
            if !lastPropOrderKept { return }
        }
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        let code = text(row, c.code).flatMap { $0.isEmpty ? nil : $0 }
        if let code, !configuration.orderPropertyCodes.all.contains(code) { return }
        orderProps[order, default: []].append(
            OrderProp(
                id: id, propsID: int(row, c.props), code: code, value: text(row, c.value) ?? ""))
    }

    /// Maps a `b_sale_order_props.ID` to its `CODE` for the codes the configuration reads.
    func consumeOrderPropDefinition(_ row: DumpRow, _ c: OrderPropColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id), let code = text(row, c.code) else { return }
        if configuration.orderPropertyCodes.all.contains(code) { orderPropCodes[id] = code }
    }

    /// The canonical orders, in id order, with their lines in basket `ID` order.
    ///
    /// Properties are looked up by the configured codes, the first non-empty value winning (a code may
    /// have several spellings across form versions): shop, customer and recipient names and phones
    /// (normalised to `+7…`, a problem when impossible), address, delivery date (`dd.mm.yyyy` →
    /// `yyyy-mm-dd`) and the pickup flag. The subtotal is Σ price × quantity over the lines in kopecks
    /// (quantities are 1/10000 units; a line's fraction of a kopeck is dropped).
    func buildOrders() -> [CanonicalOrder] {
        let codes = configuration.orderPropertyCodes
        var lines: [Int64: [BasketLine]] = [:]
        for line in basket where orders[line.orderID] != nil { lines[line.orderID, default: []].append(line) }
        let unread = basket.count - lines.values.reduce(0) { $0 + $1.count }
        if unread > 0 { skipped["b_sale_basket: order not read", default: 0] += unread }
        basket = []

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
                bitrixID: order.id, catalogID: order.railwayID, bitrixStatus: order.status,
                total: order.total ?? Kopecks(0),
                deliveryCost: order.delivery ?? Kopecks(0), currency: order.currency, userID: order.userID,
                createdAt: order.created)
            canonical.updatedAt = order.updated
            if let shop = first(codes.shopID) {
                canonical.shopID = Int64(shop)
                if canonical.shopID == nil { problem("b_sale_order_props_value", "shopId", shop, "not an integer") }
            }
            canonical.customerName = first(codes.customerName)
            canonical.phone = phone(codes.phone, field: "phone")
            canonical.recipientName = first(codes.recipientName)
            canonical.recipientPhone = phone(codes.recipientPhone, field: "phoneRecipient")
            canonical.deliveryAddress = first(codes.deliveryAddress)
            if let date = first(codes.deliveryDate) {
                canonical.deliveryDate = OrderDate.isoDate(date)
                if canonical.deliveryDate == nil {
                    problem("b_sale_order_props_value", "data", date, "not a dd.mm.yyyy date")
                }
            }
            canonical.pickup = codes.pickup.contains { props[$0] == "Y" }
            var subtotal: Int64 = 0
            canonical.items = (lines[order.id] ?? []).sorted { $0.id < $1.id }.map {
                subtotal += $0.price.value * $0.quantity / 10_000
                return CanonicalOrderItem(
                    productID: $0.productID, name: $0.name ?? "", price: $0.price,
                    quantityTenThousandths: $0.quantity)
            }
            canonical.subtotal = Kopecks(subtotal)
            result.append(canonical)
        }
        orderProps = [:]
        return result
    }
}

/// Order dates as the Bitrix order form writes them.
enum OrderDate {
    /// `25.10.2025` (or `2025-10-25`, optionally with a time) as `2025-10-25`; `nil` otherwise.
    ///
    /// ```swift
    /// OrderDate.isoDate("25.10.2025")         // "2025-10-25"
    /// OrderDate.isoDate("2025-10-25 14:00")   // "2025-10-25"
    /// OrderDate.isoDate("завтра")             // nil, reported as a problem by the caller
    /// ```
    /// Only the shape is checked (`31.02.2025` passes): the date is compared as text with the catalog's.
    static func isoDate(_ text: String) -> String? {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < b.count && b[$0] &- 0x30 < 10 } }
        if b.count >= 10, digits(0..<2), b[2] == UInt8(ascii: "."), digits(3..<5), b[5] == UInt8(ascii: "."),
            digits(6..<10)
        {
            return String(decoding: b[6..<10], as: UTF8.self) + "-" + String(decoding: b[3..<5], as: UTF8.self) + "-"
                + String(decoding: b[0..<2], as: UTF8.self)
        }
        if b.count >= 10, digits(0..<4), b[4] == UInt8(ascii: "-"), digits(5..<7), b[7] == UInt8(ascii: "-"),
            digits(8..<10)
        {
            return String(decoding: b[0..<10], as: UTF8.self)
        }
        return nil
    }
}
