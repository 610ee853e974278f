import BackstopModel
import BackstopPostgres

extension CatalogReader {
    /// 16 fields: id, shop_id, name, price, type, description, width, height, enabled, image,
    /// created_at, updated_at, then the image arrays urls, ids, orders, primaries.
    ///
    /// The image rows are aggregated from a subquery sorted by (product_id, "order", id) instead of
    /// `array_agg(… ORDER BY …)`, which sorts every group once per aggregate (2.3× slower server-side).
    /// PostgreSQL feeds a sorted subquery to the aggregate in order, but SQL does not promise it, so the
    /// decoder checks the order with the ids and re-sorts if a plan ever delivers otherwise.
    static var productQuery: PGQuery {
        """
        SELECT p.id, p.shop_id, p.name, p.price, p.type::text, p.description, p.width, p.height, p.enabled, \
        p.image, p.created_at, p.updated_at, i.urls, i.ids, i.orders, i.primaries \
        FROM product p \
        LEFT JOIN (SELECT product_id, array_agg(url) AS urls, array_agg(id) AS ids, array_agg("order") AS orders, \
        array_agg(COALESCE(is_primary, false)) AS primaries \
        FROM (SELECT product_id, url, id, "order", is_primary FROM productimage \
        ORDER BY product_id, "order", id) s GROUP BY product_id) i ON i.product_id = p.id \
        WHERE \(shopFilter) IS NULL OR p.shop_id = \(shopFilter) \
        ORDER BY p.id
        """
    }

    /// 21 fields: id, shop_id, "orderNumber", tracking_id, "customerName", phone, delivery_address,
    /// subtotal, delivery_cost, total, status, bitrix_order_id, recipient_name, recipient_phone,
    /// delivery_type, created_at, then the item arrays product ids, names, prices, quantities, totals.
    static var orderQuery: PGQuery {
        """
        SELECT o.id, o.shop_id, o."orderNumber", o.tracking_id, o."customerName", o.phone, o.delivery_address, \
        o.subtotal, o.delivery_cost, o.total, o.status::text, o.bitrix_order_id, o.recipient_name, \
        o.recipient_phone, o.delivery_type, o.created_at, \
        i.product_ids, i.names, i.prices, i.quantities, i.totals \
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
    static var clientQuery: PGQuery {
        """
        SELECT c.id, c.phone, c."customerName", c.notes, c.shop_id, c.telegram_user_id, c.created_at \
        FROM client c \
        WHERE \(shopFilter) IS NULL OR c.shop_id = \(shopFilter) \
        ORDER BY c.id
        """
    }

    static func decodeProduct(_ row: BinaryCopyRow, problems: inout [ParseProblem]) throws -> CatalogProduct {
        let id = try row.required(0, row.integer)
        let typeName = row.string(4) ?? ""
        let type = ProductType(rawValue: typeName)
        if type == nil {
            problems.append(ParseProblem(
                source: "product", key: String(id), field: "type", rawValue: typeName,
                reason: "enum label unknown to this build"))
        }
        var imageRows: [CatalogProductImage] = []
        if let urls = try row.stringArray(12) {
            let ids = try row.integerArray(13) ?? []
            let orders = try row.integerArray(14) ?? []
            let primaries = try row.boolArray(15) ?? []
            guard ids.count == urls.count, orders.count == urls.count, primaries.count == urls.count else {
                throw row.failure(12, "image arrays differ in length")
            }
            var indices = Array(0..<urls.count)
            let sorted = indices.indices.dropFirst().allSatisfy { (orders[$0 - 1], ids[$0 - 1]) <= (orders[$0], ids[$0]) }
            if !sorted { indices.sort { (orders[$0], ids[$0]) < (orders[$1], ids[$1]) } }
            imageRows.reserveCapacity(urls.count)
            for i in indices {
                imageRows.append(CatalogProductImage(url: urls[i] ?? "", order: orders[i], isPrimary: primaries[i]))
            }
        }
        let product = CanonicalProduct(
            id: id,
            shopID: try row.integer(1),
            name: row.string(2) ?? "",
            price: try row.integer(3).map { Kopecks($0) },
            enabled: try row.bool(8) ?? false,
            type: type,
            width: try row.integer(6).map { Int($0) },
            height: try row.integer(7).map { Int($0) },
            description: row.string(5),
            image: row.string(9),
            images: imageRows.map(\.url),
            createdAt: try row.timestampMicros(10).map(CatalogTimestamp.text(micros:)))
        return CatalogProduct(
            product: product, typeName: typeName, imageRows: imageRows,
            updatedAt: try row.timestampMicros(11).map(CatalogTimestamp.text(micros:)))
    }

    static func decodeOrder(_ row: BinaryCopyRow, problems: inout [ParseProblem]) throws -> CatalogOrder {
        let id = try row.required(0, row.integer)
        let statusName = row.string(10) ?? ""
        let status = OrderStatus(rawValue: statusName)
        if status == nil {
            problems.append(ParseProblem(
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
                items.append(CatalogOrderItem(
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
            deliveryAddress: row.string(6),
            items: items.map {
                CanonicalOrderItem(productID: $0.productID, name: $0.name, price: $0.price,
                                   quantityTenThousandths: $0.quantity * 10_000)
            },
            createdAt: try row.timestampMicros(15).map(CatalogTimestamp.text(micros:)))
        return CatalogOrder(
            order: order, orderNumber: row.string(2) ?? "", trackingID: row.string(3) ?? "",
            statusName: statusName, subtotal: Kopecks(try row.required(7, row.integer)),
            rawPhone: rawPhone, rawRecipientPhone: rawRecipientPhone, deliveryType: row.string(14), items: items)
    }
}
