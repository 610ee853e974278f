import BackstopIndex
import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Testing

/// Random unit vectors in clusters, with planted near-duplicates, keyed by product id.
struct VectorWorld {
    var dimensions: Int
    var vectors: [Int64: [Float]] = [:]
    var random: SplitMix64
    var centres: [[Float]] = []
    var nextID: Int64 = 1000

    init(dimensions: Int, clusters: Int, products: Int, duplicates: Int, seed: UInt64) {
        self.dimensions = dimensions
        random = SplitMix64(seed: seed)
        centres = (0..<clusters).map { _ in unit(noise(1)) }
        for _ in 0..<products { vectors[newID()] = member() }
        for _ in 0..<duplicates { vectors[newID()] = nearCopy(of: randomID()) }
    }

    mutating func newID() -> Int64 {
        nextID += Int64(1 + random.next() % 5)
        return nextID
    }

    mutating func randomID() -> Int64 {
        let ids = vectors.keys.sorted()
        return ids[Int(random.next() % UInt64(ids.count))]
    }

    mutating func noise(_ scale: Float) -> [Float] {
        (0..<dimensions).map { _ in (Float(random.next() % 2_000_001) / 1_000_000 - 1) * scale }
    }

    func unit(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }

    /// A member of a random cluster.
    mutating func member() -> [Float] {
        let centre = centres[Int(random.next() % UInt64(centres.count))]
        return unit(zip(centre, noise(0.25)).map { $0 + $1 })
    }

    /// A near-duplicate of product `id` (cosine about 0.999).
    mutating func nearCopy(of id: Int64) -> [Float] {
        unit(zip(vectors[id] ?? [], noise(0.01)).map { $0 + $1 })
    }

    var ids: [Int64] { vectors.keys.sorted() }

    var matrix: VectorMatrix {
        var matrix = VectorMatrix(dimensions: dimensions)
        for (_, vector) in vectors.sorted(by: { $0.key < $1.key }) { matrix.append(vector) }
        return matrix
    }

    /// Changes, adds and removes products; returns the changed-or-added set.
    mutating func churn(change: Int, add: Int, remove: Int) -> Set<Int64> {
        var changed = Set<Int64>()
        for index in 0..<change {
            let id = randomID()
            // Half become near-duplicates of another product, half move to a random cluster.
            vectors[id] = index % 2 == 0 ? nearCopy(of: randomID()) : member()
            changed.insert(id)
        }
        for index in 0..<add {
            let id = newID()
            vectors[id] = index % 3 == 0 ? nearCopy(of: randomID()) : member()
            changed.insert(id)
        }
        for _ in 0..<remove {
            let id = randomID()
            vectors[id] = nil
            changed.remove(id)
        }
        return changed
    }
}

/// The incremental similarity update equals a self-join of the current vectors.
@Suite struct IncrementalSimilarityTests {
    let k = 10
    let threshold: Float = 0.97

    func expectSame(_ got: SimilarityState, _ want: SimilarityState, _ note: String) {
        #expect(Set(got.lists.keys) == Set(want.lists.keys), "\(note): products")
        for (id, list) in want.lists {
            let other = got.lists[id] ?? []
            #expect(other.map(\.productID) == list.map(\.productID), "\(note): list of \(id)")
            for (a, b) in zip(other, list) { #expect(abs(a.score - b.score) <= 1e-5, "\(note): score in \(id)'s list") }
        }
        #expect(got.pairs.map { [$0.first, $0.second] } == want.pairs.map { [$0.first, $0.second] }, "\(note): pairs")
        for (a, b) in zip(got.pairs, want.pairs) { #expect(abs(a.score - b.score) <= 1e-5, "\(note): pair score") }
        #expect(got.topScores.count == want.topScores.count, "\(note): top scores")
        for (a, b) in zip(got.topScores, want.topScores) { #expect(abs(a - b) <= 1e-5, "\(note): top score") }
    }

    @Test(arguments: [UInt64(1), 7, 2024])
    func updateEqualsSelfJoinAfterChangesAdditionsAndRemovals(seed: UInt64) {
        var world = VectorWorld(dimensions: 48, clusters: 12, products: 700, duplicates: 40, seed: seed)
        var state = IncrementalSimilarity.full(
            ids: world.ids, vectors: world.matrix, k: k, threshold: threshold)
        #expect(state.pairs.count >= 40, "planted duplicates found")
        for round in 0..<3 {
            let changed = world.churn(change: 15, add: 12, remove: 9)
            let update = IncrementalSimilarity.update(
                ids: world.ids, vectors: world.matrix, changed: changed, stored: state, k: k, threshold: threshold)
            let full = IncrementalSimilarity.full(ids: world.ids, vectors: world.matrix, k: k, threshold: threshold)
            expectSame(update.state, full, "seed \(seed) round \(round)")
            #expect(update.searched < world.ids.count / 2, "only what changed is searched (\(update.searched))")
            #expect(update.merged + update.searched == world.ids.count)
            #expect(update.removed == Set(state.lists.keys).subtracting(world.ids).sorted())
            #expect(!update.removed.isEmpty)
            #expect(Set(update.changedLists).isSuperset(of: changed))
            #expect(update.changedLists.count < world.ids.count)
            state = update.state
        }
        // Most products changed: the self-join is cheaper, and the result the same.
        let most = world.churn(change: 500, add: 5, remove: 5)
        let heavy = IncrementalSimilarity.update(
            ids: world.ids, vectors: world.matrix, changed: most, stored: state, k: k, threshold: threshold)
        #expect(heavy.searched == world.ids.count)
        expectSame(
            heavy.state, IncrementalSimilarity.full(ids: world.ids, vectors: world.matrix, k: k, threshold: threshold),
            "seed \(seed) heavy churn")
        state = heavy.state
        // Nothing changed: nothing searched, nothing written.
        let still = IncrementalSimilarity.update(
            ids: world.ids, vectors: world.matrix, changed: [], stored: state, k: k, threshold: threshold)
        #expect(still.searched == 0)
        #expect(still.changedLists.isEmpty)
        #expect(still.state == state)
    }

    /// Lists shorter than k (a database of k products or fewer) are searched again: all of them, so the
    /// update takes the self-join.
    @Test func aDatabaseThatGrowsPastKFillsShortLists() {
        var world = VectorWorld(dimensions: 16, clusters: 2, products: 6, duplicates: 1, seed: 5)
        let state = IncrementalSimilarity.full(ids: world.ids, vectors: world.matrix, k: k, threshold: threshold)
        #expect(state.lists.values.allSatisfy { $0.count == 6 })
        let changed = world.churn(change: 0, add: 9, remove: 0)
        let update = IncrementalSimilarity.update(
            ids: world.ids, vectors: world.matrix, changed: changed, stored: state, k: k, threshold: threshold)
        expectSame(
            update.state, IncrementalSimilarity.full(ids: world.ids, vectors: world.matrix, k: k, threshold: threshold),
            "grown")
    }
}

/// `IndexStore` keeps a similarity state exactly, writing only what changed.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct SimilarityStoreTests {
    @Test func savedStateReadsBackAndIncrementalWritesOnlyChanges() throws {
        try TestDatabase.withConnection(prefix: "simstore") { connection in
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(
                on: connection, logger: TestDatabase.quietLogger)
            let store = IndexStore(connection: connection)
            var world = VectorWorld(dimensions: 24, clusters: 5, products: 200, duplicates: 12, seed: 11)
            let vectors = world.ids.map {
                IndexStore.StoredVector(
                    productID: $0, sourceURL: "u\($0)", imageSHA256: "s\($0)", modelVersion: "m",
                    vector: world.vectors[$0] ?? [])
            }
            try store.upsert(vectors, runID: nil)
            let k = 10
            let threshold: Float = 0.97
            let state = IncrementalSimilarity.full(ids: world.ids, vectors: world.matrix, k: k, threshold: threshold)
            try store.saveSimilarity(state, replacing: nil, modelVersion: "m", k: k, threshold: threshold, runID: nil)
            #expect(try store.similarity(modelVersion: "m", k: k, threshold: threshold) == state)
            #expect(try store.similarity(modelVersion: "other", k: k, threshold: threshold) == nil)
            #expect(try store.similarity(modelVersion: "m", k: 5, threshold: threshold) == nil)
            #expect(try store.similarity(modelVersion: "m", k: k, threshold: 0.5) == nil)
            #expect(try store.vectors().values.allSatisfy(\.inSimilarity))

            let changed = world.churn(change: 5, add: 4, remove: 3)
            try store.upsert(
                changed.map {
                    IndexStore.StoredVector(
                        productID: $0, sourceURL: "u\($0)", imageSHA256: "t\($0)", modelVersion: "m",
                        vector: world.vectors[$0] ?? [])
                }, runID: nil)
            let stored = try store.vectors()
            #expect(Set(stored.filter { !$0.value.inSimilarity }.keys) == changed)
            try store.deleteVectors(productIDs: stored.keys.filter { world.vectors[$0] == nil })
            let update = IncrementalSimilarity.update(
                ids: world.ids, vectors: world.matrix, changed: changed, stored: state, k: k, threshold: threshold)
            let written = try store.saveSimilarity(
                update.state, replacing: state, modelVersion: "m", k: k, threshold: threshold, runID: nil)
            #expect(written == update.changedLists.count + update.removed.count)
            #expect(written < world.ids.count)
            #expect(try store.similarity(modelVersion: "m", k: k, threshold: threshold) == update.state)
            #expect(try store.vectors().values.allSatisfy(\.inSimilarity))
        }
    }
}
