import BackstopModel
import Testing

@Suite struct ModelTests {
    @Test func discrepancyKindsAreExactlyTheManifestNames() {
        let expected: Set<String> = [
            "product.missing", "product.orphan", "product.field", "product.shop", "product.id_collision",
            "product.images_missing", "order.missing", "order.orphan", "order.link_missing", "order.link_duplicate",
            "order.status", "order.status_unmapped", "order.field", "order.item_missing", "order.item_extra",
            "order.item_field", "order.dangling_product", "order.dangling_customer", "sequence.collision_risk",
            "embedding.missing", "embedding.stale", "embedding.orphan", "image.unreachable", "image.duplicate",
        ]
        #expect(Set(DiscrepancyKind.allCases.map(\.rawValue)) == expected)
        #expect(DiscrepancyKind.orderStatusUnmapped.entity == "order")
        #expect(DiscrepancyKind.sequenceCollisionRisk.entity == "sequence")
    }

    @Test(arguments: [(Int64(495050), "4950.50"), (0, "0.00"), (-50, "-0.50"), (7, "0.07"), (100, "1.00")])
    func kopecksPrintExactly(value: Int64, text: String) {
        #expect(Kopecks(value).description == text)
    }

    @Test func exitCodesAreDistinctAndDocumented() {
        #expect(Set(ExitStatus.allCases.map(\.rawValue)).count == ExitStatus.allCases.count)
        #expect(ExitStatus.drift.rawValue == 2)
        #expect(ExitStatus.allCases.allSatisfy { !$0.meaning.isEmpty })
    }
}
