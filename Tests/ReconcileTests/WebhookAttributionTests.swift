import BackstopModel
import BackstopReconcile
import Foundation
import Testing

@Suite struct WebhookAttributionTests {
    @Test func everyEvidenceIsAttributedAndTheWebhooksOwnFailuresAreThere() {
        let failures = Set(Evidence.allCases.map(\.webhookFailure))
        #expect(failures == Set(WebhookFailure.allCases), "each failure has at least one cause")
        #expect(Evidence.priceParsedToZero.webhookFailure == .parseFailure)
        #expect(Evidence.createFallback.webhookFailure == .createFallback)
        #expect(Evidence.unmappedStatus.webhookFailure == .unmappedStatus)
        #expect(Evidence.linkNeverSet.webhookFailure == .neverLinked)
        #expect(Evidence.statusWebhookLost.webhookFailure == .lostEvent)
        #expect(Evidence.webhookFailure(cause: "nbsp_price") == .parseFailure)
        #expect(Evidence.webhookFailure(cause: "not_a_cause") == nil)
        #expect(Evidence.webhookFailure(cause: nil) == nil)
    }

    @Test func syncLatencyReadsEachSideInItsZone() throws {
        let almaty = try #require(TimeZone(identifier: "Asia/Almaty"))
        let same = SyncLatency(bitrixTimeZone: almaty, catalogTimeZone: almaty)
        #expect(same.seconds(bitrix: "2025-10-25 03:00:00", catalog: "2025-10-25 03:01:30") == 90)
        #expect(same.seconds(bitrix: "2025-10-25 03:00:00", catalog: "2025-10-24 03:00:00") == -86_400)
        #expect(same.seconds(bitrix: "garbage", catalog: "2025-10-24 03:00:00") == nil)
        let utcCatalog = SyncLatency(bitrixTimeZone: almaty, catalogTimeZone: .gmt)
        // 03:00 in Almaty (UTC+5 since 2024-03-01) is 22:00 UTC the day before.
        #expect(utcCatalog.seconds(bitrix: "2025-10-25 03:00:00", catalog: "2025-10-24 22:00:10") == 10)
        #expect(SyncLatency.epochSeconds("1970-01-01 00:00:00", in: .gmt) == 0)
        #expect(SyncLatency.epochSeconds("2000-02-29 12:00:00.5", in: .gmt) == 951_825_600)
    }

    @Test func latencyPairsProductsOfTheShopAndLinkedOrders() {
        let zone = TimeZone.gmt
        let latency = SyncLatency(bitrixTimeZone: zone, catalogTimeZone: zone)
        let bitrix = [
            CanonicalProduct(id: 1, shopID: 17008, name: "a", updatedAt: "2025-01-01 00:00:00"),
            CanonicalProduct(id: 2, shopID: 17008, name: "b", updatedAt: "2025-01-01 00:00:00"),
            CanonicalProduct(id: 3, shopID: 8, name: "c", updatedAt: "2025-01-01 00:00:00"),
        ]
        let catalog = [
            CanonicalProduct(id: 1, shopID: 17008, name: "a", updatedAt: "2025-01-01 00:01:00"),
            CanonicalProduct(id: 3, shopID: 8, name: "c", updatedAt: "2025-01-01 00:01:00"),
        ]
        #expect(latency.products(bitrix: bitrix, catalog: catalog, shopID: 17008) == [60])
    }
}
