/// One entry of a product's similar-products list.
public struct SimilarProduct: Sendable, Hashable {
    /// The similar product.
    public var productID: Int64
    /// The cosine similarity of the two local vectors.
    public var score: Float

    /// One neighbour of a product.
    /// - Parameters:
    ///   - productID: The similar product.
    ///   - score: Their cosine similarity.
    public init(productID: Int64, score: Float) {
        self.productID = productID
        self.score = score
    }
}

/// Two different products whose local vectors reach the near-duplicate threshold (`first < second`).
public struct DuplicatePair: Sendable, Hashable {
    /// The smaller product id.
    public var first: Int64
    /// The larger product id.
    public var second: Int64
    /// The cosine similarity of the two local vectors.
    public var score: Float

    /// A candidate pair; the caller orders the ids.
    /// - Parameters:
    ///   - first: The smaller product id.
    ///   - second: The larger product id.
    ///   - score: Their cosine similarity.
    public init(first: Int64, second: Int64, score: Float) {
        self.first = first
        self.second = second
        self.score = score
    }
}

/// What a similarity pass leaves behind, keyed by product id: every product's top-k list (best first, ties
/// by lower id) and every near-duplicate pair, ascending by (first, second).
public struct SimilarityState: Sendable, Equatable {
    /// The top-k list of every product of the pass (empty when it was the only product).
    public var lists: [Int64: [SimilarProduct]]
    /// Pairs at or above the threshold.
    public var pairs: [DuplicatePair]

    /// A pass's result, or one read back from ``IndexStore``.
    /// - Parameters:
    ///   - lists: Every product's top-k list, best first.
    ///   - pairs: The near-duplicate candidates, ascending by (first, second).
    public init(lists: [Int64: [SimilarProduct]], pairs: [DuplicatePair]) {
        self.lists = lists
        self.pairs = pairs
    }

    /// Each product's best score (its nearest other product), in product-id order.
    public var topScores: [Float] {
        lists.keys.sorted().compactMap { lists[$0]?.first?.score }
    }
}

/// The similarity pass of the index stage: the plain self-join, or the incremental update (changed × all)
/// that gives the same lists and pairs as a self-join of the current vectors from the previous pass's state
/// (equal scores rank by lower id, as in the search's heaps).
///
/// The incremental update, for changed set C (new or re-embedded vectors), removed products R (in the
/// stored lists, no current vector) and the unchanged rest U:
/// - C is searched against all current vectors (new lists and new pairs).
/// - A product of U whose stored list names a member of C or R, or is shorter than k, or is missing, is
///   searched too: its stored scores no longer describe the set.
/// - Every other product of U kept its k best among U (they are its stored list, all of whose members are
///   still there with the same vectors); its new list is the best k of that list and its own k best among
///   C, found by searching those products against C alone (a |U| × |C| product, the cost of C × all).
/// - Pairs: the stored pairs of two products of U, plus the fresh pairs that involve C.
///
/// When half the products or more would be searched, the symmetric self-join is cheaper and is used instead.
public enum IncrementalSimilarity {
    /// Query rows searched at a time against the changed set (bounds the copy of their vectors).
    static let keptChunk = 8192

    /// The result of an incremental update.
    public struct Update: Sendable {
        /// The new state of every current product.
        public var state: SimilarityState
        /// Products whose list differs from the stored one (new products included), ascending.
        public var changedLists: [Int64]
        /// Products with a stored list and no current vector, ascending.
        public var removed: [Int64]
        /// Products searched against every current vector (C and the affected part of U).
        public var searched: Int
        /// Products of U whose stored list was merged with their best among C.
        public var merged: Int
    }

    /// The self-join of `vectors` (row i is product `ids[i]`, ids ascending): every list and pair.
    ///
    /// - Parameters:
    ///   - ids: Product ids of the rows, ascending.
    ///   - vectors: Unit vectors.
    ///   - k: List length.
    ///   - threshold: Near-duplicate threshold.
    /// - Returns: Every product's list and every pair.
    public static func full(ids: [Int64], vectors: VectorMatrix, k: Int, threshold: Float) -> SimilarityState {
        precondition(ids.count == vectors.count, "one id per row")
        let result = SimilaritySearch.selfJoin(vectors, k: k, threshold: threshold)
        var lists: [Int64: [SimilarProduct]] = [:]
        lists.reserveCapacity(ids.count)
        for (row, neighbors) in result.neighbors.enumerated() {
            lists[ids[row]] = neighbors.map { SimilarProduct(productID: ids[$0.index], score: $0.score) }
        }
        let pairs = result.pairs.map { DuplicatePair(first: ids[$0.first], second: ids[$0.second], score: $0.score) }
        return SimilarityState(lists: lists, pairs: pairs)
    }

    /// Updates `stored` (the state of the previous pass, same model, `k` and `threshold`) to the current
    /// `vectors`, searching only what `changed` can have affected.
    ///
    /// - Parameters:
    ///   - ids: Product ids of the rows, ascending.
    ///   - vectors: The current unit vectors.
    ///   - changed: Products whose vector is new or differs from the one the stored state was computed on.
    ///   - stored: The previous state.
    ///   - k: List length (at least 1).
    ///   - threshold: Near-duplicate threshold.
    /// - Returns: The new state, with what changed and how much was searched.
    public static func update(
        ids: [Int64], vectors: VectorMatrix, changed: Set<Int64>, stored: SimilarityState, k: Int, threshold: Float
    ) -> Update {
        precondition(ids.count == vectors.count, "one id per row")
        precondition(k > 0, "an incremental update needs lists")
        let present = Set(ids)
        let d = vectors.dimensions
        var queryRows: [Int] = []
        var keptRows: [Int] = []
        var changedRows: [Int] = []
        for (row, id) in ids.enumerated() {
            if changed.contains(id) {
                changedRows.append(row)
                queryRows.append(row)
                continue
            }
            guard let list = stored.lists[id], list.count >= k,
                !list.contains(where: { changed.contains($0.productID) || !present.contains($0.productID) })
            else {
                queryRows.append(row)
                continue
            }
            keptRows.append(row)
        }
        let removed = stored.lists.keys.filter { !present.contains($0) }.sorted()
        // Searching half the rows against all costs what the symmetric self-join does: take the self-join.
        if queryRows.count * 2 >= ids.count {
            let state = full(ids: ids, vectors: vectors, k: k, threshold: threshold)
            return Update(
                state: state, changedLists: ids.filter { state.lists[$0] != stored.lists[$0] }, removed: removed,
                searched: ids.count, merged: 0)
        }
        var lists: [Int64: [SimilarProduct]] = [:]
        lists.reserveCapacity(ids.count)

        // Searched products: fresh lists, and the pairs of C.
        var pairs: [DuplicatePair] = []
        if !queryRows.isEmpty {
            var queries = VectorMatrix(dimensions: d)
            for row in queryRows { queries.append(Array(vectors[row])) }
            let result = SimilaritySearch.search(
                queries: queries, database: vectors, k: k, threshold: threshold, selfIndex: queryRows)
            for (q, row) in queryRows.enumerated() {
                lists[ids[row]] = result.neighbors[q].map {
                    SimilarProduct(productID: ids[$0.index], score: $0.score)
                }
            }
            for pair in result.pairs {
                let a = ids[queryRows[pair.first]]
                let b = ids[pair.second]
                guard changed.contains(a) else { continue }  // pairs within U are stored
                // A pair of two changed products is reported by both; keep the smaller id's.
                if changed.contains(b) && b < a { continue }
                pairs.append(DuplicatePair(first: min(a, b), second: max(a, b), score: pair.score))
            }
        }

        // Kept products: stored list merged with their k best among C.
        if !keptRows.isEmpty {
            var database = VectorMatrix(dimensions: d)
            for row in changedRows { database.append(Array(vectors[row])) }
            for start in stride(from: 0, to: keptRows.count, by: keptChunk) {
                let chunk = keptRows[start..<min(keptRows.count, start + keptChunk)]
                var best: [[Neighbor]] = Array(repeating: [], count: chunk.count)
                if !changedRows.isEmpty {
                    var queries = VectorMatrix(dimensions: d)
                    for row in chunk { queries.append(Array(vectors[row])) }
                    best = SimilaritySearch.search(queries: queries, database: database, k: k).neighbors
                }
                for (offset, row) in chunk.enumerated() {
                    let id = ids[row]
                    let old = stored.lists[id] ?? []
                    let fresh = best[offset].map {
                        SimilarProduct(productID: ids[changedRows[$0.index]], score: $0.score)
                    }
                    lists[id] = fresh.isEmpty ? old : merge(old, fresh, k: k)
                }
            }
        }

        for pair in stored.pairs
        where present.contains(pair.first) && present.contains(pair.second) && !changed.contains(pair.first)
            && !changed.contains(pair.second)
        {
            pairs.append(pair)
        }
        pairs.sort { ($0.first, $0.second) < ($1.first, $1.second) }

        let changedLists = ids.filter { lists[$0] != stored.lists[$0] }
        return Update(
            state: SimilarityState(lists: lists, pairs: pairs), changedLists: changedLists, removed: removed,
            searched: queryRows.count, merged: keptRows.count)
    }

    /// The best `k` of two lists without common products, best first, ties by lower id.
    static func merge(_ a: [SimilarProduct], _ b: [SimilarProduct], k: Int) -> [SimilarProduct] {
        var all = a + b
        all.sort { $0.score != $1.score ? $0.score > $1.score : $0.productID < $1.productID }
        return Array(all.prefix(k))
    }
}
