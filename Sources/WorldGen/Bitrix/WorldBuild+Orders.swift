import BackstopModel

/// Orders: every Bitrix order with its basket and properties, and the catalog orders of the Railway ones
/// (`XML_ID = 'railway-N'`, catalog `"order".id = N`), with the planted order drift.
extension WorldBuild {
    struct Line {
        var productID: Int
        var name: String
        var priceTenge: Int
        /// Quantity ×10 000 (`double(18,4)`).
        var quantity4: Int
    }

    func writeOrders() throws {
        let weights = StatusMap.codes.map(\.weight)
        let period = scale.driftPeriod
        let kinds = OrderDrift.allCases
        let offset = Int(seed % UInt64(kinds.count))
        /// Railway orders seen per shop: each shop takes the drift kinds in its own rotation.
        var railwayCounts: [Int: Int] = [:]
        let canRailway = !(cleanPools[WorldIDs.cvetyShop] ?? []).isEmpty
        /// The shop of a Railway order: 17008 or another catalog seller that has clean products to order.
        let railwayShops = sellers.railwayShops(eligible: sellers.migrated.filter { !(cleanPools[$0] ?? []).isEmpty })

        // Staff and shops of the catalog.
        try writeCatalogStaff()

        for i in 0..<scale.orders {
            var r = rng(.order, i)
            let id = WorldIDs.firstOrder + i
            let inserted = WorldClock.start + i * (WorldClock.span / max(scale.orders, 1)) + r.int(0...1800)
            let updated = inserted + r.int(600...86_400 * 3)
            let railway = canRailway && r.chance(scale.railwayShare)
            var status = StatusMap.codes[r.weighted(weights)].code
            var userID = WorldIDs.firstUser + r.int(0...(scale.users - 1))
            var drift: OrderDrift?
            var catalogID = 0
            // The seller a Railway order belongs to (its `shopId` property and its catalog order's shop).
            var shop = WorldIDs.cvetyShop
            if railway {
                shop = railwayShops.pick(&r)
                if StatusMap.mapped[status] == nil { status = "F" }
                let railwayCount = railwayCounts[shop, default: 0]
                let shift = shop == WorldIDs.cvetyShop ? offset : offset + shop
                if railwayCount % period == 0 { drift = kinds[(railwayCount / period + shift) % kinds.count] }
                if drift == .statusLost { status = "F" }
                if drift == .statusUnmapped {
                    status = StatusMap.unmapped[(railwayCount / period) % StatusMap.unmapped.count]
                }
                railwayCounts[shop] = railwayCount + 1
                catalogOrderID += 1
                catalogID = catalogOrderID
            }

            let cleanPool = cleanPools[shop] ?? []
            plantShop = shop
            // Lines.
            var lines: [Line] = []
            let lineCount = max(r.int(1...4), drift == .itemMissing ? 2 : 1)
            var used = Set<Int>()
            while lines.count < lineCount {
                if railway {
                    let k = Int(cleanPool[r.int(0...(cleanPool.count - 1))])
                    let pid = Int(productIDs[k])
                    if !used.insert(pid).inserted { if used.count >= cleanPool.count { break } else { continue } }
                    lines.append(
                        Line(
                            productID: pid, name: productNames[k], priceTenge: Int(productPrices[k]),
                            quantity4: r.int(1...3) * 10_000))
                } else {
                    let k = r.int(0...(productIDs.count - 1))
                    let q = r.chance(0.03) ? r.pick([5_000, 15_000, 25_000]) : r.int(1...3) * 10_000
                    lines.append(
                        Line(
                            productID: Int(productIDs[k]), name: productNames[k],
                            priceTenge: Int(productPrices[k]), quantity4: q))
                }
            }
            if drift == .danglingProduct {
                let deleted = deletedProduct()
                lines.append(
                    Line(productID: deleted.id, name: deleted.name, priceTenge: deleted.price, quantity4: 10_000))
            }
            if drift == .danglingCustomer { userID = 9_000_000 + i }

            // Customer.
            let first = r.pick(Vocabulary.firstNames), last = r.pick(Vocabulary.lastNames)
            let customer = "\(first) \(last)"
            let phoneDigits = "7" + String(r.int(700...778)) + String(r.int(1_000_000...9_999_999))
            let recipient =
                r.chance(0.5) ? customer : "\(r.pick(Vocabulary.firstNames)) \(r.pick(Vocabulary.lastNames))"
            let recipientDigits = "7" + String(r.int(700...778)) + String(r.int(1_000_000...9_999_999))
            var address =
                "г. \(r.pick(Vocabulary.cities)), \(r.pick(Vocabulary.streets)), д. \(r.int(1...180)), кв. \(r.int(1...300))"
            if r.chance(0.02) { address += " " + r.pick(Vocabulary.hostile) }
            // Pickup (prop iWillGet = 'Y'): the address is the shop's, and no delivery fee.
            let pickup = r.chance(0.1) && drift != .deliveryDropped
            if pickup { address = Self.shopAddress }
            let deliveryDay = (updated / 86_400) * 86_400
            var deliveryDate = [UInt8]()
            deliveryDate.append(date: deliveryDay)
            let dmy = String(decoding: deliveryDate, as: UTF8.self).split(separator: "-").reversed().joined(
                separator: ".")
            let currency =
                railway
                ? (drift == .currency ? "RUB" : "KZT")
                : (r.chance(0.005) ? "USD" : (r.chance(0.005) ? "RUB" : "KZT"))
            // Railway amounts are always tenge, even when mislabelled.
            let rate = railway ? 1 : (currency == "USD" ? 480 : (currency == "RUB" ? 6 : 1))
            // PRICE ×10 000: Σ price × quantity (converted for foreign currencies).
            let price4 = lines.reduce(0) { $0 + $1.priceTenge * $1.quantity4 / rate }
            // The delivery fee in kopecks. Railway orders carry the catalog's fee into PRICE_DELIVERY and PRICE,
            // unless the push dropped it (deliveryDropped).
            let fee = drift == .deliveryDropped ? 150_000 : (pickup ? 0 : (r.chance(0.4) ? 150_000 : 0))
            let delivery4 = drift == .deliveryDropped ? 0 : fee * 100
            let shopProp = railway ? shop : sellers.websiteOrderShop(&r)

            // MARK: Bitrix
            if drift != .orphan {
                let o = b(.saleOrder)
                let paid = ["F", "PD", "CO", "DE", "AP", "KC", "CP"].contains(status)
                let canceled = status == "UN" || status == "RF" || status == "CA"
                o.beginRow()
                o.int(id); o.string("s1"); o.int(1); o.string(paid ? "Y" : "N"); o.dateTime(paid ? inserted + 300 : nil)
                o.int(paid ? 1 : nil); o.string(canceled ? "Y" : "N"); o.dateTime(canceled ? updated : nil)
                o.int(canceled ? 1 : nil); o.string(canceled && r.chance(0.3) ? "Клиент отказался" : nil)
                o.string(status); o.dateTime(updated); o.int(r.int(1...40))
                o.decimal(delivery4, scale: 4); o.decimal(0, scale: 4); o.string("Y"); o.dateTime(inserted + 60)
                o.int(1); o.string(status == "F" ? "Y" : "N"); o.dateTime(status == "F" ? updated : nil)
                o.int(status == "F" ? 1 : nil); o.null(); o.string("N"); o.null(); o.null(); o.null(); o.string("N")
                o.decimal(price4 + delivery4, scale: 4); o.string(currency); o.decimal(0, scale: 4); o.int(userID)
                o.int(r.int(1...4)); o.string(String(r.int(1...2))); o.dateTime(inserted); o.dateTime(updated)
                if !railway && r.chance(0.01) {
                    o.string(r.pick(Vocabulary.hostileBitrixOnly))
                } else if r.chance(0.1) {
                    o.string("Позвоните получателю заранее")
                } else {
                    o.null()
                }
                o.null(); o.null(); o.null(); o.null(); o.null(); o.null(); o.null(); o.null()
                if !railway && r.chance(0.01) { o.string(r.pick(Vocabulary.hostile)) } else { o.null() }  // COMMENTS
                o.decimal(0, scale: 2); o.null(); o.decimal(paid ? (price4 + delivery4) / 100 : 0, scale: 2)
                o.string("N"); o.null(); o.null(); o.null(); o.null(); o.null(); o.string("Y"); o.null(); o.null()
                o.null(); o.string("N"); o.null(); o.null(); o.int(1); o.null(); o.null(); o.null(); o.null()
                o.string(String(id)); o.null(); o.string(railway ? "railway-\(catalogID)" : nil); o.null(); o.null()
                o.int(0); o.string("N"); o.string("N"); o.null(); o.null(); o.string("N")
                try o.endRow()

                let bk = b(.saleBasket)
                for line in lines {
                    basketID += 1
                    let unit4 = line.priceTenge * 10_000 / rate
                    bk.beginRow()
                    bk.int(basketID); bk.int(userID); bk.int(id); bk.int(line.productID); bk.int(line.productID)
                    bk.int(1); bk.decimal(unit4, scale: 4); bk.string(currency); bk.decimal(unit4, scale: 4)
                    bk.string("Y"); bk.dateTime(inserted); bk.dateTime(inserted); bk.null(); bk.null()
                    bk.decimal(line.quantity4, scale: 4); bk.string("s1"); bk.string("N"); bk.string(line.name)
                    bk.string("Y"); bk.null(); bk.string("catalog"); bk.null(); bk.null(); bk.null()
                    bk.string("/catalog/\(line.productID)/"); bk.decimal(0, scale: 4); bk.null(); bk.null()
                    bk.string("CCatalogProductProvider"); bk.null(); bk.string(String(line.productID)); bk.null()
                    bk.null(); bk.null(); bk.decimal(0, scale: 4); bk.string("N"); bk.string(status == "F" ? "Y" : "N")
                    bk.string("N"); bk.string("N"); bk.null(); bk.string("N"); bk.null(); bk.null(); bk.null()
                    bk.int(796); bk.string("шт"); bk.null(); bk.null(); bk.int(100)
                    try bk.endRow()
                }

                let pv = b(.saleOrderPropsValue)
                let props: [(Int, String, String, String)] =
                    [
                        (1, "Имя", customer, "name"),
                        (2, "Телефон", formatPhone(phoneDigits, style: r.int(0...3)), "phone"),
                        (3, "Имя получателя", recipient, "nameRecipient"),
                        (4, "Телефон получателя", formatPhone(recipientDigits, style: r.int(0...3)), "phoneRecipient"),
                        (7, "Адрес получателя", address, "addressRecipient"),
                        (8, "Дата доставки", dmy, "data"),
                        (11, "Время доставки", String(r.pick([10, 12, 14, 16, 18, 20])), "when"),
                        (20, "Магазин", String(shopProp), "shopId"),
                        (21, "Город", "2", "city"),
                    ] + (pickup ? [(16, "Самовывоз", "Y", "iWillGet")] : [])
                for (propID, name, value, code) in props {
                    orderPropID += 1
                    pv.beginRow()
                    pv.int(orderPropID); pv.int(id); pv.int(propID); pv.string(name); pv.string(value); pv.string(code)
                    pv.null(); pv.int(id); pv.string("ORDER")
                    try pv.endRow()
                }
            }

            // MARK: catalog
            guard railway else { continue }
            let key = String(id)
            var catalogStatus = StatusMap.mapped[status] ?? "DELIVERED"
            var link: Int? = id
            var phone = "+" + phoneDigits
            var items = lines
            var customerName = customer, recipientName = recipient, recipientPhone = "+" + recipientDigits
            var catalogAddress = address, catalogDay = deliveryDay, catalogPickup = pickup
            /// Why the money differs, when a drift changes the catalog's lines or fee.
            var moneyCause: String?
            switch drift {
            case .missing?:
                plant(.init(kind: .orderMissing, key: key, bitrix: "railway-\(catalogID)", cause: "order_not_created"))
                continue
            case .orphan?:
                plant(.init(kind: .orderOrphan, key: key, catalog: String(catalogID), cause: "bitrix_order_deleted"))
            case .linkMissing?:
                link = nil
                plant(
                    .init(
                        kind: .orderLinkMissing, key: key, field: "bitrix_order_id", bitrix: "railway-\(catalogID)",
                        catalog: String(catalogID), cause: "bitrix_order_id_never_set"))
            case .statusLost?:
                catalogStatus = "ASSEMBLED"
                plant(
                    .init(
                        kind: .orderStatus, key: key, field: "status", bitrix: status, catalog: catalogStatus,
                        cause: "status_webhook_lost"))
            case .statusUnmapped?:
                catalogStatus = "ACCEPTED"
                plant(
                    .init(
                        kind: .orderStatusUnmapped, key: key, field: "status", bitrix: status,
                        catalog: catalogStatus, cause: "unmapped_code_skipped"))
            case .phone?:
                phone = "+7" + String(r.int(700...778)) + String(r.int(1_000_000...9_999_999))
                plant(
                    .init(
                        kind: .orderField, key: key, field: "phone", bitrix: "+" + phoneDigits, catalog: phone,
                        cause: "edited_in_catalog"))
            case .itemMissing?:
                let lost = items.removeLast()
                moneyCause = "item_not_synced"
                plant(
                    .init(
                        kind: .orderItemMissing, key: key, bitrix: String(lost.quantity4 / 10_000),
                        item: String(lost.productID), cause: "item_not_synced"))
            case .itemExtra?:
                // The first clean product (from a seeded start) that the order does not hold yet.
                let start = (i * 7919) % cleanPool.count
                if let k = (0..<cleanPool.count).lazy.map({ Int(cleanPool[(start + $0) % cleanPool.count]) })
                    .first(where: { k in !items.contains { $0.productID == Int(self.productIDs[k]) } })
                {
                    let pid = Int(productIDs[k])
                    items.append(
                        Line(
                            productID: pid, name: productNames[k], priceTenge: Int(productPrices[k]),
                            quantity4: 10_000))
                    moneyCause = "item_added_in_catalog"
                    plant(
                        .init(
                            kind: .orderItemExtra, key: key, catalog: "1", item: String(pid),
                            cause: "item_added_in_catalog"))
                }
            case .itemQuantity?:
                items[0].quantity4 += 10_000
                moneyCause = "quantity_edited"
                plant(
                    .init(
                        kind: .orderItemField, key: key, field: "quantity", bitrix: String(lines[0].quantity4 / 10_000),
                        catalog: String(items[0].quantity4 / 10_000), item: String(items[0].productID),
                        cause: "quantity_edited"))
            case .itemPrice?:
                items[0].priceTenge += r.int(1...20) * 50
                moneyCause = "item_price_edited"
                plant(
                    .init(
                        kind: .orderItemField, key: key, field: "price", bitrix: String(lines[0].priceTenge * 100),
                        catalog: String(items[0].priceTenge * 100), item: String(items[0].productID),
                        cause: "item_price_edited"))
            case .itemName?:
                items[0].name = "Замена: " + productName(&r)
                plant(
                    .init(
                        kind: .orderItemField, key: key, field: "name", bitrix: lines[0].name,
                        catalog: items[0].name, item: String(items[0].productID), cause: "item_name_edited"))
            case .danglingCustomer?:
                plant(
                    .init(
                        kind: .orderDanglingCustomer, key: key, field: "USER_ID", bitrix: String(userID),
                        cause: "user_deleted"))
            case .danglingProduct?:
                // The orderitem could never be written (FK to product): the catalog order lacks the line.
                let line = items.removeLast()
                moneyCause = "product_deleted"
                plant(
                    .init(
                        kind: .orderDanglingProduct, key: key, field: "product_id", bitrix: String(line.productID),
                        item: String(line.productID), cause: "product_deleted"))
                plant(
                    .init(
                        kind: .orderItemMissing, key: key, bitrix: String(line.quantity4 / 10_000),
                        item: String(line.productID), cause: "product_deleted"))
            case .deliveryDropped?:
                moneyCause = "delivery_fee_dropped"
                plant(
                    .init(
                        kind: .orderField, key: key, field: "delivery_cost", bitrix: "0", catalog: String(fee),
                        cause: "delivery_fee_dropped"))
            case .customerName?:
                customerName = "\(r.pick(Vocabulary.firstNames)) \(last)"
                if customerName == customer { customerName = "\(first) \(last)-\(r.pick(Vocabulary.lastNames))" }
                plant(
                    .init(
                        kind: .orderField, key: key, field: "customer_name", bitrix: customer, catalog: customerName,
                        cause: "edited_in_catalog"))
            case .recipientName?:
                recipientName = recipient + " (" + r.pick(Vocabulary.firstNames) + ")"
                plant(
                    .init(
                        kind: .orderField, key: key, field: "recipient_name", bitrix: recipient,
                        catalog: recipientName, cause: "edited_in_catalog"))
            case .recipientPhone?:
                recipientPhone = "+7" + String(r.int(700...778)) + String(r.int(1_000_000...9_999_999))
                plant(
                    .init(
                        kind: .orderField, key: key, field: "recipient_phone", bitrix: "+" + recipientDigits,
                        catalog: recipientPhone, cause: "edited_in_catalog"))
            case .address?:
                catalogAddress = address + ", подъезд \(r.int(1...9))"
                plant(
                    .init(
                        kind: .orderField, key: key, field: "address", bitrix: address, catalog: catalogAddress,
                        cause: "edited_in_catalog"))
            case .deliveryDate?:
                catalogDay = deliveryDay + r.int(1...3) * 86_400
                var day = [UInt8]()
                day.append(date: catalogDay)
                plant(
                    .init(
                        kind: .orderField, key: key, field: "delivery_date", bitrix: dmy,
                        catalog: String(decoding: day, as: UTF8.self), cause: "edited_in_catalog"))
            case .pickup?:
                catalogPickup = !pickup
                plant(
                    .init(
                        kind: .orderField, key: key, field: "pickup", bitrix: pickup ? "Y" : "N",
                        catalog: catalogPickup ? "pickup" : "scheduled", cause: "delivery_type_edited"))
            case .currency?:
                plant(
                    .init(
                        kind: .orderField, key: key, field: "currency", bitrix: currency, catalog: "KZT",
                        cause: "currency_mislabelled"))
            case .linkDuplicate?, nil:
                break
            }

            // Money: Bitrix subtotal = Σ basket PRICE × QUANTITY, total = PRICE; the catalog's subtotal is Σ of its
            // own items, total = subtotal + delivery_cost. Any difference a drift caused is planted.
            let bitrixSubtotal = lines.reduce(0) { $0 + $1.priceTenge * 100 * $1.quantity4 / 10_000 }
            let bitrixTotal = (price4 + delivery4) / 100
            let subtotal = items.reduce(0) { $0 + $1.priceTenge * 100 * ($1.quantity4 / 10_000) }
            let deliveryCost = fee
            if subtotal != bitrixSubtotal {
                plant(
                    .init(
                        kind: .orderField, key: key, field: "subtotal", bitrix: String(bitrixSubtotal),
                        catalog: String(subtotal), cause: moneyCause))
            }
            if subtotal + deliveryCost != bitrixTotal {
                plant(
                    .init(
                        kind: .orderField, key: key, field: "total", bitrix: String(bitrixTotal),
                        catalog: String(subtotal + deliveryCost), cause: moneyCause))
            }
            func catalogOrder(_ n: Int) throws {
                let co = c(.order)
                co.int(n); co.int(shop)
                co.text(String((n * 387_420_489 + 12_345) % 1_000_000_000).leftPadded(to: 9)); co.text("#\(10_000 + n)")
                co.text(customerName); co.text(phone); co.text(catalogPickup ? nil : catalogAddress)
                co.timestamp(catalogDay); co.int(subtotal)
                co.int(deliveryCost); co.int(subtotal + deliveryCost); co.text(catalogStatus); co.int(link)
                co.text(recipientName); co.text(recipientPhone); co.text(catalogPickup ? "pickup" : "scheduled")
                co.text(catalogPickup ? catalogAddress : nil); co.text("kaspi")
                co.timestamp(inserted - 2); co.timestamp(updated)
                try co.endRow()
                let oi = c(.orderItem)
                for line in items {
                    orderItemID += 1
                    let q = line.quantity4 / 10_000
                    oi.int(orderItemID); oi.int(n); oi.int(line.productID); oi.text(line.name);
                    oi.int(line.priceTenge * 100)
                    oi.int(q); oi.int(line.priceTenge * 100 * q); oi.timestamp(inserted - 2); oi.timestamp(inserted - 2)
                    try oi.endRow()
                }
                if catalogStatus != "NEW" {
                    historyID += 1
                    let h = c(.orderHistory)
                    h.int(historyID); h.int(n); h.text("bitrix"); h.text("status"); h.text("new")
                    h.text(StatusMap.apiValue(catalogStatus)); h.timestampUTC(updated)
                    try h.endRow()
                }
            }
            try catalogOrder(catalogID)
            if drift == .linkDuplicate {
                catalogOrderID += 1
                try catalogOrder(catalogOrderID)
                plant(
                    .init(
                        kind: .orderLinkDuplicate, key: key, field: "bitrix_order_id", bitrix: "railway-\(catalogID)",
                        catalog: "\(catalogID),\(catalogOrderID)", cause: "order_created_twice"))
            }
            if clientPhones.insert(phone).inserted {
                clientID += 1
                let cl = c(.client)
                cl.int(clientID); cl.text(phone); cl.text(customer); cl.int(shop); cl.timestamp(inserted)
                cl.timestamp(inserted)
                try cl.endRow()
            }
        }
        plantShop = WorldIDs.cvetyShop
    }

    /// The shop's address: Bitrix pickup orders carry it as addressRecipient (upstream.md §4.3).
    static let shopAddress = "улица Достык, 5/2"

    /// The catalog's users and shops (shop 8 = Railway dev, 17008 = Cvetykz, and one shop per migrated
    /// seller with the seller's id, each owned by its director).
    private func writeCatalogStaff() throws {
        let t = WorldClock.start + 86_400 * 1000
        let users: [(Int, String, String, String, Int?)] =
            [
                (1, "Администратор", "+77010000001", "SUPERADMIN", WorldIDs.railwayShop),
                (2, "Cvetykz Директор", "+77010000002", "DIRECTOR", WorldIDs.cvetyShop),
                (3, "Флорист Айгерим", "+77010000003", "FLORIST", WorldIDs.cvetyShop),
                (4, "Курьер Нурлан", "+77010000004", "COURIER", WorldIDs.cvetyShop),
            ]
            + sellers.migrated.enumerated().map { k, seller in
                (5 + k, "Директор магазина \(seller)", "+7701000\(String(1000 + 5 + k))", "DIRECTOR", seller)
            }
        let u = c(.user)
        let us = c(.userShop)
        for (id, name, phone, role, shop) in users {
            u.int(id); u.text(name); u.text(phone); u.text(role); u.bool(true); u.bool(role == "SUPERADMIN")
            u.timestamp(t); u.timestamp(t)
            try u.endRow()
            us.int(id); us.int(shop)
            try us.endRow()
        }
        let s = c(.shop)
        let shops =
            [(WorldIDs.railwayShop, "Railway (dev)", 1), (WorldIDs.cvetyShop, "Cvetykz", 2)]
            + sellers.migrated.enumerated().map { k, seller in (seller, sellers.name(of: seller), 5 + k) }
        for (id, name, owner) in shops {
            s.int(id); s.text(name); s.int(owner); s.text("+77172000000"); s.text(Self.shopAddress); s.text("Astana")
            s.timestamp(t); s.timestamp(t)
            try s.endRow()
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
