import BackstopModel
import BackstopExtract

extension OrderReconciler {
    /// Status, money, customer, recipient, delivery and lines of one linked pair.
    ///
    /// - Status goes through the versioned map: a mapped code that differs is `order.status` (an `RF` or
    ///   `UN` with its own evidence), a code the map lacks is `order.status_unmapped`.
    /// - Money compares in kopecks only within one currency; different currencies give one `currency`
    ///   finding and no money findings. A Bitrix order with no delivery fee whose total is the catalog's
    ///   total minus its fee is the push path's dropped fee, not an edit; money that differs because the
    ///   lines differ says so.
    /// - Texts compare normalised, an empty text counting as absent; phones compare as `+7XXXXXXXXXX`.
    ///
    /// Every field finding is a Bitrix-side change: the catalog wins for order fields.
    /// - Parameters:
    ///   - b: The Bitrix order.
    ///   - record: The linked catalog order with its status label.
    ///   - key: The finding key (the Bitrix order id).
    ///   - result: Receives the changes.
    func compareFields(_ b: CanonicalOrder, _ record: CatalogOrder, key: String, into result: inout Result) {
        let c = record.order
        func add(
            _ kind: DiscrepancyKind, _ field: String?, item: String? = nil, _ bitrix: ChangeValue,
            _ catalog: ChangeValue,
            _ rule: String, _ evidence: Evidence, _ action: ChangeAction
        ) {
            result.changes.append(
                Change(
                    kind: kind, key: key, field: field, item: item, bitrix: bitrix, catalog: catalog, rule: rule,
                    evidence: evidence, action: action, catalogID: c.catalogID))
        }

        // Status, through the versioned map.
        let code = b.bitrixStatus ?? ""
        let catalogStatus = ChangeValue(record.statusName.isEmpty ? c.status?.rawValue : record.statusName)
        if let mapped = configuration.statusMap.status(for: code) {
            if c.status != mapped {
                let evidence: Evidence =
                    code == "RF" ? .refundNotSynced : (code == "UN" ? .notRealisedNotSynced : .statusWebhookLost)
                add(
                    .orderStatus, "status", ChangeValue(raw: code, normalized: mapped.rawValue), catalogStatus,
                    configuration.statusMap.version, evidence, .updateStatus)
            }
        } else {
            add(
                .orderStatusUnmapped, "status", ChangeValue(code), catalogStatus, configuration.statusMap.version,
                .unmappedStatus, .report)
        }

        // Lines, matched by product id.
        let lineDrift = compareLines(b, record, key: key, into: &result)

        // Money, in kopecks with currency.
        if b.currency != c.currency {
            add(
                .orderField, "currency", ChangeValue(b.currency), ChangeValue(c.currency), "money.currency",
                .currencyDiffers,
                .bitrixChange)
        } else {
            let feeDropped =
                b.deliveryCost.value == 0 && c.deliveryCost.value > 0
                && b.total.value == c.total.value - c.deliveryCost.value
            func money(_ field: String, _ bv: Kopecks?, _ cv: Kopecks?, _ evidence: Evidence) {
                guard let bv, let cv, bv != cv else { return }
                add(
                    .orderField, field, ChangeValue(raw: bv.description, normalized: String(bv.value)),
                    ChangeValue(raw: cv.description, normalized: String(cv.value)), "money.kopecks", evidence,
                    .bitrixChange)
            }
            let edited: Evidence = lineDrift ? .linesDiffer : .orderFieldEdited
            money("delivery_cost", b.deliveryCost, c.deliveryCost, feeDropped ? .deliveryFeeDropped : .orderFieldEdited)
            money("subtotal", b.subtotal, c.subtotal, edited)
            money("total", b.total, c.total, feeDropped ? .deliveryFeeDropped : edited)
        }

        // People and delivery.
        func text(_ field: String, _ bv: String?, _ cv: String?, rule: String = "text.nfc-whitespace") {
            // The same bytes normalise alike: most pairs are equal, and normalising is most of an order's cost.
            if let bv, let cv, bv.utf8.elementsEqual(cv.utf8) { return }
            if bv == nil && cv == nil { return }
            let bn = bv.map(TextNormalizer.normalized).flatMap { $0.isEmpty ? nil : $0 }
            let cn = cv.map(TextNormalizer.normalized).flatMap { $0.isEmpty ? nil : $0 }
            guard bn != cn else { return }
            add(
                .orderField, field, ChangeValue(raw: bv, normalized: bn), ChangeValue(raw: cv, normalized: cn), rule,
                .orderFieldEdited, .bitrixChange)
        }
        text("phone", b.phone, c.phone, rule: "phone.+7")
        text("customer_name", b.customerName, c.customerName)
        text("recipient_name", b.recipientName, c.recipientName)
        text("recipient_phone", b.recipientPhone, c.recipientPhone, rule: "phone.+7")
        text("address", b.deliveryAddress, c.deliveryAddress)
        text("delivery_date", b.deliveryDate, c.deliveryDate, rule: "date.day")
        if b.pickup != c.pickup {
            add(
                .orderField, "pickup", ChangeValue(String(b.pickup)), ChangeValue(String(c.pickup)), "pickup.iWillGet",
                .orderFieldEdited, .bitrixChange)
        }
    }

    /// Compares the lines by product id; returns whether any line differs.
    ///
    /// Lines of one product are merged first (quantities summed, the first line's name and price kept), so
    /// a basket that splits 3 roses into 2 + 1 matches a catalog line of 3. Quantities compare exactly in
    /// 1/10000 units and print as `2` or `0.5`.
    private func compareLines(_ b: CanonicalOrder, _ record: CatalogOrder, key: String, into result: inout Result)
        -> Bool
    {
        struct Line {
            var name: String
            var price: Kopecks
            var quantity: Int64
        }
        func grouped(_ items: [CanonicalOrderItem]) -> (order: [Int64], lines: [Int64: Line]) {
            var order: [Int64] = []
            var lines: [Int64: Line] = [:]
            for item in items {
                if lines[item.productID] == nil { order.append(item.productID) }
                lines[item.productID, default: Line(name: item.name, price: item.price, quantity: 0)].quantity +=
                    item.quantityTenThousandths
            }
            return (order, lines)
        }
        let left = grouped(b.items)
        let right = grouped(record.order.items)
        var drift = false
        func add(
            _ kind: DiscrepancyKind, _ field: String?, _ item: Int64, _ bitrix: ChangeValue, _ catalog: ChangeValue,
            _ rule: String, _ evidence: Evidence
        ) {
            drift = true
            result.changes.append(
                Change(
                    kind: kind, key: key, field: field, item: String(item), bitrix: bitrix, catalog: catalog,
                    rule: rule,
                    evidence: evidence, action: .report, catalogID: record.order.catalogID))
        }
        func quantity(_ q: Int64) -> String { q % 10_000 == 0 ? String(q / 10_000) : String(Double(q) / 10_000) }
        for id in left.order {
            guard let bl = left.lines[id] else { preconditionFailure("grouped gives every ordered id a line") }
            guard let cl = right.lines[id] else {
                add(
                    .orderItemMissing, nil, id, ChangeValue(quantity(bl.quantity)), .absent, "match.product_id",
                    .itemNotSynced)
                continue
            }
            if bl.quantity != cl.quantity {
                add(
                    .orderItemField, "quantity", id, ChangeValue(quantity(bl.quantity)),
                    ChangeValue(quantity(cl.quantity)),
                    "quantity.exact", .itemEdited)
            }
            if bl.price != cl.price {
                add(
                    .orderItemField, "price", id,
                    ChangeValue(raw: bl.price.description, normalized: String(bl.price.value)),
                    ChangeValue(raw: cl.price.description, normalized: String(cl.price.value)), "money.kopecks",
                    .itemEdited)
            }
            if !TextNormalizer.equal(bl.name, cl.name) {
                add(
                    .orderItemField, "name", id,
                    ChangeValue(raw: bl.name, normalized: TextNormalizer.normalized(bl.name)),
                    ChangeValue(raw: cl.name, normalized: TextNormalizer.normalized(cl.name)), "text.nfc-whitespace",
                    .itemEdited)
            }
        }
        for id in right.order where left.lines[id] == nil {
            guard let cl = right.lines[id] else { preconditionFailure("grouped gives every ordered id a line") }
            add(
                .orderItemExtra, nil, id, .absent, ChangeValue(quantity(cl.quantity)), "match.product_id",
                .itemAddedInCatalog)
        }
        return drift
    }
}
