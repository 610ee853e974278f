import BackstopModel
import Synchronization
import Testing

/// ``WorkLoop``: every index is handed out exactly once, to at most `width` workers, and a worker that stops
/// early leaves its items to the others.
@Suite struct WorkLoopTests {
    @Test(arguments: [(0, 4), (1, 4), (3, 1), (5, 8), (97, 3), (1000, 2), (1000, 16)])
    func forEachRunsEveryIndexExactlyOnce(count: Int, concurrency: Int) {
        let runs = Mutex([Int](repeating: 0, count: count))
        WorkLoop.forEach(count, concurrency: concurrency) { index in runs.withLock { $0[index] += 1 } }
        let counts = runs.withLock { $0 }
        #expect(
            counts.allSatisfy { $0 == 1 },
            "count \(count), concurrency \(concurrency): \(counts.filter { $0 != 1 }.count) indices ran other than once"
        )
    }

    @Test func widthIsTheConcurrencyClampedToTheItems() {
        #expect(WorkLoop.width(0, concurrency: 8) == 0)
        #expect(WorkLoop.width(3, concurrency: 8) == 3)
        #expect(WorkLoop.width(100, concurrency: 8) == 8)
        #expect(WorkLoop.width(100, concurrency: 0) == 1)
        #expect(WorkLoop.width(100, concurrency: -2) == 1)
    }

    @Test func runGivesEachWorkerItsOwnNumberAndSharesTheItems() {
        let count = 500
        let concurrency = 4
        // Per worker: how often it started, and which indices it claimed.
        let started = Mutex([Int](repeating: 0, count: concurrency))
        let claimed = Mutex([[Int]](repeating: [], count: concurrency))
        WorkLoop.run(count, concurrency: concurrency) { number, claims in
            started.withLock { $0[number] += 1 }
            var mine: [Int] = []
            while let index = claims.next() { mine.append(index) }
            claimed.withLock { $0[number] = mine }
        }
        #expect(started.withLock { $0 } == [1, 1, 1, 1])
        let lists = claimed.withLock { $0 }
        #expect(lists.flatMap { $0 }.sorted() == Array(0..<count))
        for list in lists { #expect(list == list.sorted(), "a worker's claims come in increasing order") }
    }

    @Test func aWorkerThatStopsLeavesItsItemsToTheOthers() {
        let count = 200
        let done = Mutex([Int]())
        WorkLoop.run(count, concurrency: 3) { number, claims in
            // Worker 0 does one item and stops (a failure, say); the others finish the list.
            while let index = claims.next() {
                done.withLock { $0.append(index) }
                if number == 0 { return }
            }
        }
        #expect(done.withLock { $0 }.sorted() == Array(0..<count))
    }

    @Test func noWorkerRunsWhenThereAreNoItems() {
        let started = Atomic<Int>(0)
        WorkLoop.run(0, concurrency: 4) { _, _ in started.add(1, ordering: .relaxed) }
        #expect(started.load(ordering: .relaxed) == 0)
    }

    @Test func claimsHandOutEachIndexOnceThenNil() {
        let claims = WorkLoop.Claims(count: 3)
        #expect([claims.next(), claims.next(), claims.next(), claims.next(), claims.next()] == [0, 1, 2, nil, nil])
    }
}
