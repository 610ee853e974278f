import BackstopModel
import BackstopReport
import Testing

@Suite struct WebhookHealthTests {
    @Test(arguments: [
        ([Int64](), 0.5, Int64?.none), ([7], 0.5, 7), ([7], 0.95, 7), ([1, 2, 3, 4], 0.5, 2), ([1, 2, 3, 4], 0.95, 4),
        (Array(1...100), 0.95, 95), (Array(1...100), 0.5, 50), (Array(1...20), 0.95, 19),
    ])
    func nearestRankPercentiles(values: [Int64], q: Double, expected: Int64?) {
        #expect(WebhookHealth.Latency.percentile(values, q) == expected)
    }

    @Test func latencyLeavesRowsBehindBitrixOutOfThePercentiles() {
        let latency = WebhookHealth.Latency(entity: "product", samples: [-60, 10, 0, 30, -1])
        #expect(latency.pairs == 5)
        #expect(latency.behind == 2)
        #expect(latency.p50Seconds == 10)
        #expect(latency.maxSeconds == 30)
    }

    @Test func findingsAreCountedPerCauseAndFailure() {
        let findings = [
            Discrepancy(kind: .productField, key: "1", cause: "a"),
            Discrepancy(kind: .productField, key: "2", cause: "a"),
            Discrepancy(kind: .productField, key: "3", cause: "b"), Discrepancy(kind: .productMissing, key: "4"),
        ]
        let health = WebhookHealth(
            discrepancies: findings, attribute: { $0 == "a" ? .lostEvent : ($0 == "b" ? .lostEvent : nil) },
            latency: [],
            clock: "")
        #expect(health.causes.map(\.cause) == ["a", "b", "unknown"])
        #expect(health.failures.map(\.failure) == [.lostEvent, nil])
        #expect(health.failures.map(\.count) == [3, 1])
        #expect(health.failure(ofCause: nil) == nil)
        #expect(health.failure(ofCause: "b") == .lostEvent)
    }
}
