import BackstopModel
import BackstopStore
import Foundation
import Testing

@Suite struct RunHistoryTests {
    let day: TimeInterval = 86_400
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func finding(_ key: String, field: String? = "price", value: String = "1") -> Discrepancy {
        Discrepancy(kind: .productField, key: key, field: field, bitrixValue: value, catalogValue: "0")
    }

    @Test func newPersistingAndResolvedAgainstThePreviousRun() {
        let previous = RunHistory.Point(runID: 2, startedAt: t0 - day, status: .drift, total: 3)
        let stored = [
            RunHistory.StoredFinding(discrepancy: finding("1"), origin: .init(runID: 1, at: t0 - 2 * day)),
            RunHistory.StoredFinding(discrepancy: finding("2"), origin: nil),  // stored before history existed
            RunHistory.StoredFinding(discrepancy: finding("3"), origin: .init(runID: 2, at: t0 - day)),
        ]
        // "1" persists with a new value (identity is kind, key, field, item), "2" persists, "3" is resolved,
        // "4" is new, and the same key with another field is another finding.
        let current = [finding("1", value: "changed"), finding("2"), finding("4"), finding("1", field: "name")]
        let history = RunHistory.compare(
            runID: 3, startedAt: t0, current: current, partial: false, previous: (previous, stored))
        #expect(history.state(of: current[0]) == .persisting)
        #expect(history.origin(of: current[0]) == .init(runID: 1, at: t0 - 2 * day))
        #expect(
            history.origin(of: current[1]) == .init(runID: 2, at: t0 - day), "an origin-less finding dates from its run"
        )
        #expect(history.state(of: current[2]) == .new)
        #expect(history.origin(of: current[2])?.runID == 3)
        #expect(history.state(of: current[3]) == .new)
        #expect(history.resolved.map(\.key) == ["3"])
        #expect(history.counts(current) == [.new: 2, .persisting: 2, .resolved: 1])
        #expect(history.resolvedComputed)
    }

    @Test func aPartialRunResolvesNothing() {
        let previous = RunHistory.Point(runID: 2, startedAt: t0 - day, status: .drift, total: 1)
        let stored = [RunHistory.StoredFinding(discrepancy: finding("1"), origin: nil)]
        let history = RunHistory.compare(
            runID: 3, startedAt: t0, current: [], partial: true, previous: (previous, stored))
        #expect(history.resolved.isEmpty)
        #expect(!history.resolvedComputed)
    }

    @Test func withoutAPreviousRunEverythingIsNew() {
        let history = RunHistory.compare(
            runID: 1, startedAt: t0, current: [finding("1")], partial: false, previous: nil)
        #expect(history.state(of: finding("1")) == .new)
        #expect(history.previous == nil)
        #expect(!history.resolvedComputed)
    }
}
