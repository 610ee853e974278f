import BackstopExtract
import BackstopModel
import BackstopReconcile
import Testing

@Suite struct OrderReconcilerTests {
    let reconciler = OrderReconciler(configuration: ReconcileConfiguration())

    func line(_ product: Int64, _ price: Int64 = 100_000, _ quantity: Int64 = 1) -> CanonicalOrderItem {
        CanonicalOrderItem(
            productID: product, name: "Розы", price: Kopecks(price), quantityTenThousandths: quantity * 10_000)
    }

    func bitrix(
        _ id: Int64, railway: Int64?, status: String = "F", items: [CanonicalOrderItem]? = nil,
        delivery: Int64 = 150_000,
        user: Int64 = 1
    ) -> CanonicalOrder {
        let items = items ?? [line(700)]
        let subtotal = items.reduce(Int64(0)) { $0 + $1.price.value * $1.quantityTenThousandths / 10_000 }
        return CanonicalOrder(
            bitrixID: id, catalogID: railway, shopID: 17008, bitrixStatus: status, total: Kopecks(subtotal + delivery),
            deliveryCost: Kopecks(delivery), currency: "KZT", userID: user, customerName: "Анна Ким",
            phone: "+77011234567",
            recipientName: "Айгуль", recipientPhone: "+77017654321", deliveryAddress: "улица Достык, 5/2", items: items,
            subtotal: Kopecks(subtotal), deliveryDate: "2025-10-20")
    }

    func catalog(
        _ id: Int64, link: Int64?, status: OrderStatus = .delivered, items: [CanonicalOrderItem]? = nil,
        shop: Int64 = 17008
    ) -> CatalogOrder {
        var order = bitrix(link ?? 0, railway: nil, items: items)
        order.bitrixID = link
        order.catalogID = id
        order.shopID = shop
        order.status = status
        order.bitrixStatus = nil
        order.userID = nil
        return CatalogOrder(
            order: order, orderNumber: "#\(id)", trackingID: "000000000", statusName: status.rawValue,
            subtotal: order.subtotal ?? Kopecks(0), rawPhone: order.phone ?? "",
            rawRecipientPhone: order.recipientPhone,
            deliveryType: "scheduled", items: [])
    }

    let existence = OrderReconciler.Existence(
        bitrixOrders: IDSet([500, 501, 502, 503, 504, 505, 506, 507, 508]), bitrixElements: IDSet([700, 701]),
        bitrixUsers: IDSet([1]), catalogProducts: IDSet([700, 701, 702]))

    func identities(_ result: OrderReconciler.Result) -> Set<String> {
        Set(result.changes.map { "\($0.kind.rawValue) \($0.key) \($0.field ?? "-") \($0.item ?? "-")" })
    }

    @Test func everyOrderKindExactlyOnce() {
        let left = [
            bitrix(500, railway: 1),  // clean
            bitrix(501, railway: 2),  // missing: no catalog order 2
            bitrix(502, railway: 3),  // link missing
            bitrix(503, railway: 4),  // link duplicate (catalog 4 and 5)
            bitrix(504, railway: 6, status: "RF"),  // status lost (catalog DELIVERED)
            bitrix(505, railway: 7, status: "TR"),  // unmapped
            bitrix(506, railway: 8, items: [line(700), line(999)]),  // dangling product 999: item missing, money
            bitrix(507, railway: 9, delivery: 0, user: 77),  // delivery fee dropped; dangling customer
            bitrix(508, railway: 10, items: [line(700, 100_000, 2)]),  // quantity edited in the catalog
        ]
        let right = [
            catalog(1, link: 500), catalog(3, link: nil), catalog(4, link: 503), catalog(5, link: 503),
            catalog(6, link: 504), catalog(7, link: 505, status: .accepted), catalog(8, link: 506, items: [line(700)]),
            catalog(9, link: 507), catalog(10, link: 508, items: [line(700, 100_000, 3)]), catalog(11, link: 999_999),
            catalog(12, link: nil), catalog(13, link: nil, shop: 8),
        ]
        let result = reconciler.compare(bitrix: left, catalog: right, existence: existence, partial: false)
        #expect(
            identities(result) == [
                "order.missing 501 - -", "order.link_missing 502 bitrix_order_id -",
                "order.link_duplicate 503 bitrix_order_id -",
                "order.status 504 status -", "order.status_unmapped 505 status -",
                "order.dangling_product 506 product_id 999", "order.item_missing 506 - 999",
                "order.field 506 subtotal -", "order.field 506 total -",
                "order.field 507 delivery_cost -", "order.field 507 total -", "order.dangling_customer 507 USER_ID -",
                "order.item_field 508 quantity 700", "order.field 508 subtotal -", "order.field 508 total -",
                "order.orphan 999999 - -", "order.orphan catalog:12 - -",
            ])
        #expect(result.changes.first { $0.kind == .orderStatus }?.evidence == .refundNotSynced)
        #expect(
            result.changes.filter { $0.key == "507" && $0.kind == .orderField }.allSatisfy {
                $0.evidence == .deliveryFeeDropped
            })
    }

    @Test func aPartialDumpReportsNoOrphanAndNoDanglingReference() {
        let left = [bitrix(507, railway: 9, items: [line(999)], user: 77)]
        let right = [catalog(9, link: 507, items: [line(999)]), catalog(11, link: 999_999)]
        let result = reconciler.compare(bitrix: left, catalog: right, existence: existence, partial: true)
        #expect(
            !result.changes.contains {
                [.orderOrphan, .orderDanglingProduct, .orderDanglingCustomer].contains($0.kind)
            })
        #expect(result.withheld > 0)
    }

    @Test func statusMapKnowsTheTwentyEightCodesAndMapsEight() {
        #expect(StatusMap.upstream.known.count == 28)
        #expect(StatusMap.upstream.mapped.count == 8)
        #expect(StatusMap.upstream.mapped.keys.allSatisfy(StatusMap.upstream.known.contains))
    }

    @Test func sequenceInsideTheBitrixRangeIsARisk() {
        let ids = IDSet([668_826, 698_977])
        let risky = CatalogSequence(name: "public.product_id_seq", lastValue: 690_000, isCalled: true, increment: 1)
        #expect(SequenceCheck.check(risky, bitrixIDs: ids)?.key == "product_id_seq")
        let safe = CatalogSequence(name: "public.product_id_seq", lastValue: 698_977, isCalled: true, increment: 1)
        #expect(SequenceCheck.check(safe, bitrixIDs: ids) == nil)
        let uncalled = CatalogSequence(name: "public.product_id_seq", lastValue: 698_977, isCalled: false, increment: 1)
        #expect(
            SequenceCheck.check(uncalled, bitrixIDs: ids) != nil, "not yet called: nextval returns last_value itself")
    }
}
