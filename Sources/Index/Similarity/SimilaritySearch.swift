import CBLAS
import Dispatch

/// One neighbour: a row of the database and its inner product (cosine, for unit vectors) with the query.
public struct Neighbor: Sendable, Hashable {
    /// The database row.
    public var index: Int
    /// The inner product.
    public var score: Float

    /// Creates a neighbour.
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

/// A pair of rows whose inner product reaches the threshold.
public struct ScoredPair: Sendable, Hashable {
    /// The query row (for a self-join, the smaller of the two).
    public var first: Int
    /// The database row (for a self-join, the larger).
    public var second: Int
    /// The inner product.
    public var score: Float
}

/// The answer of a search: the top-k neighbours of every query, best first (ties by lower index), and the
/// pairs at or above the threshold, in (first, second) order.
public struct SimilarityResult: Sendable {
    /// Neighbours kept per query.
    public var k: Int
    /// The neighbours of each query (fewer than `k` when the database is that small).
    public var neighbors: [[Neighbor]]
    /// Pairs at or above the threshold.
    public var pairs: [ScoredPair]
}

/// Exhaustive inner-product search on `cblas_sgemm` tiles with a bounded heap per row, the design of FAISS's
/// `IndexFlatIP` (anchors.md §3.1) plus the symmetry of a self-join: a tile pair (I, J) with I < J is
/// multiplied once and feeds both the rows of I (their candidates from J) and the rows of J (from I), so
/// an all-pairs pass costs half the flops of a search of the set against itself.
///
/// Threads: the multiplication runs on OpenBLAS's threads; the heap passes that follow each multiplication
/// run on `threads` Dispatch workers (rows split between them, and columns for the mirrored pass), so the
/// two never compete for the cores. Results do not depend on the thread count.
public enum SimilaritySearch {
    /// Rows per tile; a 2048 × 2048 block of scores is 16 MiB.
    public static let defaultTile = 2048

    /// Top-`k` neighbours of every row among the other rows, and all pairs with a score ≥ `threshold`.
    ///
    /// - Parameters:
    ///   - matrix: Unit vectors.
    ///   - k: Neighbours per row (0 for none).
    ///   - threshold: Report pairs at or above this score; `nil` for none.
    ///   - tile: Rows per tile.
    ///   - threads: Workers for the heap passes.
    /// - Complexity: n² × d multiply-adds (half of a plain n × n search), n² heap comparisons.
    public static func selfJoin(
        _ matrix: VectorMatrix, k: Int, threshold: Float? = nil, tile: Int = defaultTile, threads: Int = 2
    ) -> SimilarityResult {
        let n = matrix.count
        var heaps = Heaps(rows: n, k: k)
        var pairs: [ScoredPair] = []
        let d = matrix.dimensions
        var block = [Float](repeating: 0, count: min(tile, max(n, 1)) * min(tile, max(n, 1)))
        unsafe matrix.storage.withUnsafeBufferPointer { vectors in
            guard let base = vectors.baseAddress else { return }
            for i0 in stride(from: 0, to: n, by: tile) {
                let ti = min(tile, n - i0)
                for j0 in stride(from: i0, to: n, by: tile) {
                    let tj = min(tile, n - j0)
                    unsafe block.withUnsafeMutableBufferPointer { scores in
                        unsafe cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(ti), Int32(tj), Int32(d), 1, base + i0 * d,
                            Int32(d), base + j0 * d, Int32(d), 0, scores.baseAddress, Int32(tj))
                    }
                    let found = consume(
                        block: block, rows: i0..<(i0 + ti), columns: j0..<(j0 + tj), heaps: &heaps,
                        mirrored: j0 != i0, diagonal: j0 == i0, threshold: threshold, threads: threads)
                    pairs.append(contentsOf: found)
                }
            }
        }
        pairs.sort { ($0.first, $0.second) < ($1.first, $1.second) }
        return SimilarityResult(k: k, neighbors: heaps.sorted(), pairs: pairs)
    }

    /// Top-`k` neighbours in `database` of every row of `queries`, and the (query, database) pairs with a
    /// score ≥ `threshold`: the incremental pass (changed × all).
    ///
    /// - Parameters:
    ///   - queries: Unit vectors to search for.
    ///   - database: Unit vectors searched.
    ///   - k: Neighbours per query.
    ///   - threshold: Report pairs at or above this score; `nil` for none.
    ///   - selfIndex: For each query, its own row in `database` (never returned), or `nil`.
    ///   - tile: Rows per tile.
    ///   - threads: Workers for the heap passes.
    /// - Complexity: queries × database × d multiply-adds.
    public static func search(
        queries: VectorMatrix, database: VectorMatrix, k: Int, threshold: Float? = nil, selfIndex: [Int?]? = nil,
        tile: Int = defaultTile, threads: Int = 2
    ) -> SimilarityResult {
        precondition(queries.dimensions == database.dimensions, "queries and database differ in dimensions")
        precondition(selfIndex == nil || selfIndex?.count == queries.count, "selfIndex needs one entry per query")
        let q = queries.count
        let n = database.count
        let d = queries.dimensions
        var heaps = Heaps(rows: q, k: k)
        var pairs: [ScoredPair] = []
        let exclude = selfIndex.map { $0.map { $0 ?? -1 } }
        var block = [Float](repeating: 0, count: min(tile, max(q, 1)) * min(tile, max(n, 1)))
        unsafe queries.storage.withUnsafeBufferPointer { queryVectors in
            unsafe database.storage.withUnsafeBufferPointer { databaseVectors in
                guard let queryBase = queryVectors.baseAddress, let databaseBase = databaseVectors.baseAddress else {
                    return
                }
                for i0 in stride(from: 0, to: q, by: tile) {
                    let ti = min(tile, q - i0)
                    for j0 in stride(from: 0, to: n, by: tile) {
                        let tj = min(tile, n - j0)
                        unsafe block.withUnsafeMutableBufferPointer { scores in
                            unsafe cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(ti), Int32(tj), Int32(d), 1,
                                queryBase + i0 * d, Int32(d), databaseBase + j0 * d, Int32(d), 0, scores.baseAddress,
                                Int32(tj))
                        }
                        pairs.append(
                            contentsOf: consume(
                                block: block, rows: i0..<(i0 + ti), columns: j0..<(j0 + tj), heaps: &heaps,
                                mirrored: false, diagonal: false, threshold: threshold, threads: threads,
                                exclude: exclude))
                    }
                }
            }
        }
        pairs.sort { ($0.first, $0.second) < ($1.first, $1.second) }
        return SimilarityResult(k: k, neighbors: heaps.sorted(), pairs: pairs)
    }

    /// Feeds one block of scores (rows × columns, row-major with `columns.count` per row) to the heaps and
    /// collects threshold pairs. `diagonal`: rows and columns are the same set (skip self, pairs only above
    /// the diagonal). `mirrored`: also feed each column's heap with the rows (the symmetric half).
    static func consume(
        block: [Float], rows: Range<Int>, columns: Range<Int>, heaps: inout Heaps, mirrored: Bool, diagonal: Bool,
        threshold: Float?, threads: Int, exclude: [Int]? = nil
    ) -> [ScoredPair] {
        let width = columns.count
        let workers = max(1, min(threads, rows.count))
        var found = [[ScoredPair]](repeating: [], count: workers)
        let k = heaps.k
        let limit = threshold ?? .infinity
        unsafe block.withUnsafeBufferPointer { scoresBuffer in
            // safe because the block holds rows.count * width scores (the caller's sgemm wrote them).
            let scores = scoresBuffer.baseAddress!
            unsafe heaps.withUnsafe { heapScores, heapIndices in
                let heapBox = unsafe UnsafeSendableBox((heapScores, heapIndices, scores))
                unsafe found.withUnsafeMutableBufferPointer { foundBuffer in
                    let foundBox = unsafe UnsafeSendableBox(foundBuffer.baseAddress!)
                    // Pass 1: rows (each worker owns a contiguous share of rows and their heaps).
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        let (heapScores, heapIndices, scores) = unsafe heapBox.value
                        var local: [ScoredPair] = []
                        let share = (rows.count + workers - 1) / workers
                        let start = worker * share
                        let end = min(rows.count, start + share)
                        guard start < end else { return }
                        for r in start..<end {
                            let row = rows.lowerBound + r
                            let skip = exclude?[row] ?? (diagonal ? row : -1)
                            let line = unsafe scores + r * width
                            let heapBase = row * k
                            let firstColumn = diagonal ? r + 1 : 0  // pairs: above the diagonal only
                            var bar = unsafe k > 0 ? min(heapScores[heapBase], limit.nextDown) : limit.nextDown
                            var c = 0
                            while c < width {
                                if c + 8 <= width {
                                    let chunk = unsafe UnsafeRawPointer(line + c).loadUnaligned(as: SIMD8<Float>.self)
                                    if !any(chunk .> SIMD8(repeating: bar)) {
                                        c += 8
                                        continue
                                    }
                                }
                                let upper = min(c + 8, width)
                                while c < upper {
                                    let score = unsafe line[c]
                                    if score > bar {
                                        let column = columns.lowerBound + c
                                        if column != skip {
                                            if unsafe k > 0 && score > heapScores[heapBase] {
                                                unsafe Heaps.replaceTop(
                                                    heapScores + heapBase, heapIndices + heapBase, k, score, column)
                                            }
                                            if score >= limit && (!diagonal || c >= firstColumn) {
                                                local.append(ScoredPair(first: row, second: column, score: score))
                                            }
                                        }
                                        bar = unsafe k > 0 ? min(heapScores[heapBase], limit.nextDown) : limit.nextDown
                                    }
                                    c += 1
                                }
                            }
                        }
                        unsafe foundBox.value[worker] = local
                    }
                    guard mirrored, k > 0 else { return }
                    // Pass 2: columns (each worker owns a share of columns and their heaps).
                    let columnWorkers = max(1, min(threads, width))
                    DispatchQueue.concurrentPerform(iterations: columnWorkers) { worker in
                        let (heapScores, heapIndices, scores) = unsafe heapBox.value
                        let share = (width + columnWorkers - 1) / columnWorkers
                        let start = worker * share
                        let end = min(width, start + share)
                        guard start < end else { return }
                        var bars = [Float](repeating: 0, count: end - start)
                        for c in start..<end { bars[c - start] = unsafe heapScores[(columns.lowerBound + c) * k] }
                        unsafe bars.withUnsafeMutableBufferPointer { barBuffer in
                            let bar = barBuffer.baseAddress!
                            for r in 0..<rows.count {
                                let line = unsafe scores + r * width
                                let row = rows.lowerBound + r
                                var c = start
                                while c < end {
                                    if c + 8 <= end {
                                        let chunk = unsafe UnsafeRawPointer(line + c).loadUnaligned(
                                            as: SIMD8<Float>.self)
                                        let bars8 = unsafe UnsafeRawPointer(bar + (c - start)).loadUnaligned(
                                            as: SIMD8<Float>.self)
                                        if !any(chunk .> bars8) {
                                            c += 8
                                            continue
                                        }
                                    }
                                    let upper = min(c + 8, end)
                                    while c < upper {
                                        let score = unsafe line[c]
                                        if unsafe score > bar[c - start] {
                                            let heapBase = (columns.lowerBound + c) * k
                                            unsafe Heaps.replaceTop(
                                                heapScores + heapBase, heapIndices + heapBase, k, score, row)
                                            unsafe bar[c - start] = unsafe heapScores[heapBase]
                                        }
                                        c += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return found.flatMap { $0 }
    }
}

/// One min-heap of size k per row in two flat arrays; the root (smallest kept score) is the bar a new
/// candidate must beat. Empty slots hold -∞.
struct Heaps {
    let rows: Int
    let k: Int
    var scores: [Float]
    var indices: [Int]

    init(rows: Int, k: Int) {
        self.rows = rows
        self.k = k
        scores = [Float](repeating: -.infinity, count: rows * k)
        indices = [Int](repeating: -1, count: rows * k)
    }

    mutating func withUnsafe<R>(
        _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int>) -> R
    ) -> R {
        unsafe scores.withUnsafeMutableBufferPointer { scores in
            unsafe indices.withUnsafeMutableBufferPointer { indices in
                // safe because both arrays have rows * k elements; with k == 0 nothing is ever read.
                unsafe body(
                    scores.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                    indices.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            }
        }
    }

    /// Replaces the root with (score, index) and sifts it down.
    @inline(__always)
    static func replaceTop(
        _ scores: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int>, _ k: Int, _ score: Float,
        _ index: Int
    ) {
        var position = 0
        while true {
            let left = 2 * position + 1
            guard left < k else { break }
            let right = left + 1
            let child = unsafe right < k && scores[right] < scores[left] ? right : left
            guard unsafe scores[child] < score else { break }
            unsafe scores[position] = unsafe scores[child]
            unsafe indices[position] = unsafe indices[child]
            position = child
        }
        unsafe scores[position] = score
        unsafe indices[position] = index
    }

    /// Every row's kept neighbours, best first, ties by lower index.
    func sorted() -> [[Neighbor]] {
        (0..<rows).map { row in
            var list: [Neighbor] = []
            list.reserveCapacity(k)
            for slot in (row * k)..<((row + 1) * k) where indices[slot] >= 0 {
                list.append(Neighbor(index: indices[slot], score: scores[slot]))
            }
            list.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            return list
        }
    }
}
