import BackstopModel
import BackstopPostgres

extension CatalogReader {
    /// 24 fields: id, shop_id, "orderNumber", tracking_id, "customerName", phone, delivery_address,
    /// subtotal, delivery_cost, total, status, bitrix_order_id, recipient_name, recipient_phone,
    /// delivery_type, created_at, then the item arrays product ids, names, prices, quantities, totals, then
    /// delivery_date, pickup_address, updated_at.
    ///
    /// Items are aggregated per order on the server (`array_agg … ORDER BY id`), so one COPY tuple is one
    /// complete order and the client never holds a join. An order without items has NULL arrays.
    static var orderQuery: PGQuery {
        """
        SELECT o.id, o.shop_id, o."orderNumber", o.tracking_id, o."customerName", o.phone, o.delivery_address, \
        o.subtotal, o.delivery_cost, o.total, o.status, o.bitrix_order_id, o.recipient_name, \
        o.recipient_phone, o.delivery_type, o.created_at, \
        i.product_ids, i.names, i.prices, i.quantities, i.totals, o.delivery_date, o.pickup_address, o.updated_at \
        FROM "order" o \
        LEFT JOIN (SELECT order_id, \
        array_agg(product_id ORDER BY id) AS product_ids, \
        array_agg(product_name ORDER BY id) AS names, \
        array_agg(product_price ORDER BY id) AS prices, \
        array_agg(quantity ORDER BY id) AS quantities, \
        array_agg(item_total ORDER BY id) AS totals \
        FROM orderitem GROUP BY order_id) i ON i.order_id = o.id \
        WHERE \(shopFilter) IS NULL OR o.shop_id = \(shopFilter) \
        ORDER BY o.id
        """
    }

    /// 7 fields: id, order_id, changed_by, field_name, old_value, new_value, changed_at.
    ///
    /// With a shop filter, history rows are found through their order's shop (the table has no shop
    /// column); ordered by order, then id, so each order's history reads in the order it was written.
    static var historyQuery: PGQuery {
        """
        SELECT h.id, h.order_id, h.changed_by, h.field_name, h.old_value, h.new_value, h.changed_at \
        FROM orderhistory h \
        WHERE \(shopFilter) IS NULL \
        OR EXISTS (SELECT 1 FROM "order" o WHERE o.id = h.order_id AND o.shop_id = \(shopFilter)) \
        ORDER BY h.order_id, h.id
        """
    }

    /// 7 fields: id, phone, "customerName", notes, shop_id, telegram_user_id, created_at.
    ///
    /// Mixed-case columns (`"customerName"`, `"orderNumber"`) are upstream's SQLAlchemy names and must stay
    /// quoted: unquoted, PostgreSQL folds them to lower case and the column is not found.
    static var clientQuery: PGQuery {
        """
        SELECT c.id, c.phone, c."customerName", c.notes, c.shop_id, c.telegram_user_id, c.created_at \
        FROM client c \
        WHERE \(shopFilter) IS NULL OR c.shop_id = \(shopFilter) \
        ORDER BY c.id
        """
    }

    /// One ``orderQuery`` tuple as an order: phones normalised to `+7…` where possible (else kept as
    /// stored), the address falling back to `pickup_address`, quantities scaled to 1/10000, the currency
    /// `KZT` (the catalog has no currency column). An unknown status label becomes a problem and a `nil`
    /// status, with the label kept in ``CatalogOrder/statusName``.
    /// - Throws: ``ExtractError`` `decoding` for a NULL in a required column or item arrays of different
    ///   lengths.
    static func decodeOrder(_ row: BinaryCopyRow, problems: inout [ParseProblem]) throws -> CatalogOrder {
        let id = try row.required(0, row.integer)
        let statusLabel = row.label(10, in: CatalogLabels.orderStatuses)
        let statusName = statusLabel?.label ?? ""
        let status = statusLabel?.value
        if case .unknown = statusLabel {
            problems.append(
                ParseProblem(
                    source: "order", key: String(id), field: "status", rawValue: statusName,
                    reason: "enum label unknown to this build"))
        }
        var items: [CatalogOrderItem] = []
        if let productIDs = try row.integerArray(16) {
            let names = try row.stringArray(17) ?? []
            let prices = try row.integerArray(18) ?? []
            let quantities = try row.integerArray(19) ?? []
            let totals = try row.integerArray(20) ?? []
            let n = productIDs.count
            guard names.count == n, prices.count == n, quantities.count == n, totals.count == n else {
                throw row.failure(16, "item arrays differ in length")
            }
            items.reserveCapacity(n)
            for i in 0..<n {
                items.append(
                    CatalogOrderItem(
                        productID: productIDs[i], name: names[i] ?? "", price: Kopecks(prices[i]),
                        quantity: quantities[i], itemTotal: Kopecks(totals[i])))
            }
        }
        let rawPhone = row.string(5) ?? ""
        let rawRecipientPhone = row.string(13)
        let order = CanonicalOrder(
            bitrixID: try row.integer(11),
            catalogID: id,
            shopID: try row.integer(1),
            status: status,
            total: Kopecks(try row.required(9, row.integer)),
            deliveryCost: Kopecks(try row.required(8, row.integer)),
            currency: "KZT",
            customerName: row.string(4),
            phone: PhoneNumber.normalize(rawPhone) ?? rawPhone,
            recipientName: row.string(12),
            recipientPhone: rawRecipientPhone.map { PhoneNumber.normalize($0) ?? $0 },
            deliveryAddress: row.string(6) ?? row.string(22),
            items: items.map {
                CanonicalOrderItem(
                    productID: $0.productID, name: $0.name, price: $0.price,
                    quantityTenThousandths: $0.quantity * 10_000)
            },
            createdAt: try row.timestampMicros(15).map(CatalogTimestamp.text(micros:)),
            subtotal: Kopecks(try row.required(7, row.integer)),
            deliveryDate: try row.timestampMicros(21).map { String(CatalogTimestamp.text(micros: $0).prefix(10)) },
            pickup: row.string(14) == "pickup",
            updatedAt: try row.timestampMicros(23).map(CatalogTimestamp.text(micros:)))
        return CatalogOrder(
            order: order, orderNumber: row.string(2) ?? "", trackingID: row.string(3) ?? "",
            statusName: statusName, subtotal: Kopecks(try row.required(7, row.integer)),
            rawPhone: rawPhone, rawRecipientPhone: rawRecipientPhone, deliveryType: row.string(14), items: items)
    }
}
