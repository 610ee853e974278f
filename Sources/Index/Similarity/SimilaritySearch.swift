import BackstopModel
import CBLAS

/// One neighbour: a row of the database and its inner product (cosine, for unit vectors) with the query.
public struct Neighbor: Sendable, Hashable {
    /// The database row.
    public var index: Int
    /// The inner product.
    public var score: Float

    /// One neighbour of a query row.
    /// - Parameters:
    ///   - index: The database row.
    ///   - score: The inner product.
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
/// Threads: the tile pairs are shared out to `threads` workers. Each multiplies its pairs with a
/// single-threaded `cblas_sgemm` and feeds its own private heaps in one pass over each block while the
/// block is still in cache; the private heaps are merged at the end. So the cores never wait for each
/// other, or for OpenBLAS's spinning threads, between a multiplication and its heap pass. OpenBLAS is
/// made single-threaded for the process on first use (its thread count is process-wide, and its threaded
/// kernels round some edge tiles differently). Heaps keep the best k by score, then lower index, so results
/// depend neither on the thread count nor on which worker saw a candidate first.
public enum SimilaritySearch {
    /// Rows per tile: a 1024 × 1024 block of scores is 4 MiB, so each worker's block stays in cache between
    /// its multiplication and its heap pass (50 000 × 512 all-pairs: 5.9 s at 1024, 6.1 s at 2048, 6.2 s at
    /// 4096 on the 2-core bench machine).
    public static let defaultTile = 1024

    /// Top-`k` neighbours of every row among the other rows, and all pairs with a score ≥ `threshold`.
    ///
    /// - Parameters:
    ///   - matrix: Unit vectors.
    ///   - k: Neighbours per row (0 for none).
    ///   - threshold: Report pairs at or above this score; `nil` for none.
    ///   - tile: Rows per tile.
    ///   - threads: Workers, each with its own multiplication and heaps.
    /// - Returns: Every row's neighbours and the pairs above the threshold (each pair once, smaller row first).
    /// - Complexity: n² × d multiply-adds (half of a plain n × n search), n² heap comparisons.
    public static func selfJoin(
        _ matrix: VectorMatrix, k: Int, threshold: Float? = nil, tile: Int = defaultTile, threads: Int = 2
    ) -> SimilarityResult {
        let n = matrix.count
        var tiles: [TilePair] = []
        for i0 in stride(from: 0, to: n, by: tile) {
            for j0 in stride(from: i0, to: n, by: tile) {
                tiles.append(TilePair(rows: i0..<min(n, i0 + tile), columns: j0..<min(n, j0 + tile)))
            }
        }
        return run(
            tiles, queries: matrix, database: matrix, heapRows: n, k: k, tile: tile, threads: threads
        ) { block, bars, pair, heaps, pairs in
            scanTile(
                block: block, bars: &bars, rows: pair.rows, columns: pair.columns, heaps: &heaps,
                threshold: threshold, pairs: &pairs)
        }
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
    ///   - threads: Workers, each with its own multiplication and heaps.
    /// - Returns: Every query's neighbours and the (query, database row) pairs above the threshold.
    /// - Complexity: queries × database × d multiply-adds.
    public static func search(
        queries: VectorMatrix, database: VectorMatrix, k: Int, threshold: Float? = nil, selfIndex: [Int?]? = nil,
        tile: Int = defaultTile, threads: Int = 2
    ) -> SimilarityResult {
        precondition(queries.dimensions == database.dimensions, "queries and database differ in dimensions")
        precondition(selfIndex == nil || selfIndex?.count == queries.count, "selfIndex needs one entry per query")
        let q = queries.count
        let n = database.count
        let exclude = selfIndex.map { $0.map { $0 ?? -1 } } ?? []
        var tiles: [TilePair] = []
        for i0 in stride(from: 0, to: q, by: tile) {
            for j0 in stride(from: 0, to: n, by: tile) {
                tiles.append(TilePair(rows: i0..<min(q, i0 + tile), columns: j0..<min(n, j0 + tile)))
            }
        }
        return run(
            tiles, queries: queries, database: database, heapRows: q, k: k, tile: tile, threads: threads
        ) { block, _, pair, heaps, pairs in
            scanRows(
                block: block, rows: pair.rows, columns: pair.columns, heaps: &heaps, threshold: threshold,
                exclude: exclude, pairs: &pairs)
        }
    }

    /// A block to multiply: rows of the queries × rows of the database.
    struct TilePair: Sendable {
        /// The query rows of the tile (at most `tile` of them).
        var rows: Range<Int>
        /// The database rows of the tile; in a self-join only tiles on or above the diagonal are made.
        var columns: Range<Int>
    }

    /// One worker's private heaps and pairs, merged after every worker finished (no lock in the hot loop).
    struct WorkerResult: Sendable {
        /// Its heaps, one per query row, fed only from the tiles it took.
        var heaps: Heaps
        /// The pairs at or above the threshold it found.
        var pairs: [ScoredPair]
    }

    /// Shares `tiles` out to `threads` workers; each multiplies a tile (queries[rows] × database[columns]ᵀ,
    /// single-threaded sgemm) into its own block and hands it to `scan` with its private heaps (`heapRows`
    /// rows of k) and pairs; the heaps are merged and the pairs sorted at the end.
    static func run(
        _ tiles: [TilePair], queries: VectorMatrix, database: VectorMatrix, heapRows: Int, k: Int, tile: Int,
        threads: Int,
        scan:
            @Sendable (
                _ block: [Float], _ bars: inout [Float], _ pair: TilePair, _ heaps: inout Heaps,
                _ pairs: inout [ScoredPair]
            ) -> Void
    ) -> SimilarityResult {
        BLASThreads.useSingleThreaded()
        let d = queries.dimensions
        let workers = WorkLoop.width(tiles.count, concurrency: threads)
        let slots = ResultSlots<WorkerResult>(count: workers)
        let side = max(1, tile)
        unsafe queries.storage.withUnsafeBufferPointer { queryVectors in
            unsafe database.storage.withUnsafeBufferPointer { databaseVectors in
                let box = unsafe UnsafeSendableBox((queryVectors, databaseVectors))
                WorkLoop.run(tiles.count, concurrency: workers) { worker, claims in
                    let (queryVectors, databaseVectors) = unsafe box.value
                    var heaps = Heaps(rows: heapRows, k: k)
                    var pairs: [ScoredPair] = []
                    var block = [Float](repeating: 0, count: side * side)
                    var bars = [Float](repeating: .infinity, count: side)
                    defer { slots.set(worker, WorkerResult(heaps: heaps, pairs: pairs)) }
                    // Empty inputs have no tiles; a non-empty one always has an address.
                    guard let queryBase = queryVectors.baseAddress, let databaseBase = databaseVectors.baseAddress
                    else { return }
                    while let index = claims.next() {
                        let pair = tiles[index]
                        let (ti, tj) = (pair.rows.count, pair.columns.count)
                        unsafe block.withUnsafeMutableBufferPointer { scores in
                            // safe because both tiles lie inside their matrices and the block holds tile² floats.
                            unsafe cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(ti), Int32(tj), Int32(d), 1,
                                queryBase + pair.rows.lowerBound * d, Int32(d),
                                databaseBase + pair.columns.lowerBound * d, Int32(d), 0, scores.baseAddress,
                                Int32(tj))
                        }
                        scan(block, &bars, pair, &heaps, &pairs)
                    }
                }
            }
        }
        let results = slots.values.compactMap { $0 }
        var heaps = results.first?.heaps ?? Heaps(rows: heapRows, k: k)
        for other in results.dropFirst() { heaps.merge(other.heaps) }
        var pairs = results.flatMap(\.pairs)
        pairs.sort { ($0.first, $0.second) < ($1.first, $1.second) }
        return SimilarityResult(k: k, neighbors: heaps.sorted(), pairs: pairs)
    }

    /// Feeds one block of scores (rows × columns, row-major with `columns.count` per row) of a self-join to
    /// `heaps` in a single pass: each row's heap gets its candidates among the columns and, off the
    /// diagonal, each column's heap gets its candidates among the rows. On the diagonal block (rows ==
    /// columns) a row never meets itself and pairs are taken above the diagonal only. `bars` is scratch.
    static func scanTile(
        block: [Float], bars: inout [Float], rows: Range<Int>, columns: Range<Int>, heaps: inout Heaps,
        threshold: Float?, pairs: inout [ScoredPair]
    ) {
        let width = columns.count
        let diagonal = rows == columns
        let k = heaps.k
        let limit = threshold ?? .infinity
        unsafe heaps.withUnsafe { heapScores, heapIndices in
            unsafe bars.withUnsafeMutableBufferPointer { barBuffer in
                unsafe block.withUnsafeBufferPointer { blockBuffer in
                    // safe because the block holds rows.count * width scores (the caller's sgemm wrote them)
                    // and bars holds at least width entries (both sized for a full tile).
                    guard let scores = blockBuffer.baseAddress, let bar = barBuffer.baseAddress else { return }
                    // A column's bar is its heap's root; +∞ (never reached) on the diagonal or with k == 0.
                    for c in 0..<width {
                        unsafe bar[c] = diagonal || k == 0 ? .infinity : heapScores[(columns.lowerBound + c) * k]
                    }
                    for r in 0..<rows.count {
                        let row = rows.lowerBound + r
                        let line = unsafe scores + r * width
                        let heapBase = row * k
                        var rowBar = unsafe k > 0 ? min(heapScores[heapBase], limit) : limit
                        var c = 0
                        while true {
                            c = unsafe firstAtOrAbove(line, rowBar: rowBar, bars: bar, from: c, to: width)
                            guard c < width else { break }
                            let score = unsafe line[c]
                            let column = columns.lowerBound + c
                            if score >= rowBar && !(diagonal && c == r) {
                                if k > 0 {
                                    unsafe Heaps.offer(heapScores + heapBase, heapIndices + heapBase, k, score, column)
                                    rowBar = unsafe min(heapScores[heapBase], limit)
                                }
                                if score >= limit && (!diagonal || c > r) {
                                    pairs.append(ScoredPair(first: row, second: column, score: score))
                                }
                            }
                            if unsafe score >= bar[c] {
                                let columnBase = column * k
                                unsafe Heaps.offer(heapScores + columnBase, heapIndices + columnBase, k, score, row)
                                unsafe bar[c] = unsafe heapScores[columnBase]
                            }
                            c += 1
                        }
                    }
                }
            }
        }
    }

    /// Feeds one block of a search (queries × database rows) to the queries' heaps and collects threshold
    /// pairs; `exclude[row]` (a query's own database row) is never a candidate.
    static func scanRows(
        block: [Float], rows: Range<Int>, columns: Range<Int>, heaps: inout Heaps, threshold: Float?,
        exclude: [Int], pairs: inout [ScoredPair]
    ) {
        let width = columns.count
        let k = heaps.k
        let limit = threshold ?? .infinity
        unsafe heaps.withUnsafe { heapScores, heapIndices in
            unsafe block.withUnsafeBufferPointer { blockBuffer in
                // safe because the block holds rows.count * width scores (the caller's sgemm wrote them).
                guard let scores = blockBuffer.baseAddress else { return }
                for r in 0..<rows.count {
                    let row = rows.lowerBound + r
                    let skip = exclude.isEmpty ? -1 : exclude[row]
                    let line = unsafe scores + r * width
                    let heapBase = row * k
                    var bar = unsafe k > 0 ? min(heapScores[heapBase], limit) : limit
                    var c = 0
                    while true {
                        c = unsafe firstAtOrAbove(line, from: c, to: width, bar: bar)
                        guard c < width else { break }
                        let score = unsafe line[c]
                        let column = columns.lowerBound + c
                        if column != skip {
                            if k > 0 {
                                unsafe Heaps.offer(heapScores + heapBase, heapIndices + heapBase, k, score, column)
                                bar = unsafe min(heapScores[heapBase], limit)
                            }
                            if score >= limit { pairs.append(ScoredPair(first: row, second: column, score: score)) }
                        }
                        c += 1
                    }
                }
            }
        }
    }

    /// The first position `c` in `start..<end` with `line[c] >= rowBar` or `line[c] >= bars[c]`, or `end`:
    /// eight columns at a time through two max trees (scalar code the compiler keeps in registers).
    @inline(__always)
    static func firstAtOrAbove(
        _ line: UnsafePointer<Float>, rowBar: Float, bars: UnsafePointer<Float>, from start: Int, to end: Int
    ) -> Int {
        var c = start
        while c + 8 <= end {
            let p = unsafe line + c
            let b = unsafe bars + c
            let top = unsafe max(max(max(p[0], p[1]), max(p[2], p[3])), max(max(p[4], p[5]), max(p[6], p[7])))
            let low = unsafe max(max(p[0] - b[0], p[1] - b[1]), max(p[2] - b[2], p[3] - b[3]))
            let high = unsafe max(max(p[4] - b[4], p[5] - b[5]), max(p[6] - b[6], p[7] - b[7]))
            if top >= rowBar || max(low, high) >= 0 { break }
            c += 8
        }
        while c < end {
            if unsafe line[c] >= rowBar || line[c] >= bars[c] { return c }
            c += 1
        }
        return end
    }

    /// The first position in `start..<end` whose score reaches `bar`, or `end`. Eight scores at a time
    /// through a max tree: scalar code the compiler keeps in registers (a `SIMD8` compare and `any` spills to
    /// the stack lane by lane), and the block is scanned far more often than a candidate is found.
    @inline(__always)
    static func firstAtOrAbove(_ line: UnsafePointer<Float>, from start: Int, to end: Int, bar: Float) -> Int {
        var c = start
        while c + 8 <= end {
            let p = unsafe line + c
            let low = unsafe max(max(p[0], p[1]), max(p[2], p[3]))
            let high = unsafe max(max(p[4], p[5]), max(p[6], p[7]))
            if max(low, high) >= bar { break }
            c += 8
        }
        while c < end {
            if unsafe line[c] >= bar { return c }
            c += 1
        }
        return end
    }
}

/// One min-heap of size k per row in two flat arrays; the root (smallest kept score) is the bar a new
/// candidate must beat. Empty slots hold -∞.
///
/// The order is total: a higher score is better and, between equal scores, the lower index. So a heap ends
/// up holding exactly the best k candidates it was offered, whatever the order they came in, and private
/// heaps merged (`merge(_:)`) equal one heap fed everything: results do not depend on threads or tiles.
struct Heaps {
    /// Heaps, one per query row.
    let rows: Int
    /// Slots per heap.
    let k: Int
    /// `rows × k` scores (plus a spare slot), heap `r` at `r * k ..< (r + 1) * k`; -∞ in an empty slot.
    var scores: [Float]
    /// The database row of each score; -1 in an empty slot.
    var indices: [Int]

    /// `rows` empty heaps of `k` slots.
    /// - Parameters:
    ///   - rows: Heaps (query rows).
    ///   - k: Neighbours kept per heap; 0 keeps none (a threshold-only search).
    init(rows: Int, k: Int) {
        self.rows = rows
        self.k = k
        // One spare slot, so the storage is never empty and always has an address (k == 0 reads nothing).
        scores = [Float](repeating: -.infinity, count: rows * k + 1)
        indices = [Int](repeating: -1, count: rows * k + 1)
    }

    /// Runs `body` with the base pointers of `scores` and `indices` for the hot loops.
    ///
    /// - warning: Do not escape the pointers; index below `rows * k`.
    /// - Parameter body: The code that reads and writes the heaps.
    /// - Returns: What `body` returns.
    mutating func withUnsafe<R>(
        _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int>) -> R
    ) -> R {
        unsafe scores.withUnsafeMutableBufferPointer { scores in
            unsafe indices.withUnsafeMutableBufferPointer { indices in
                // safe because both arrays have rows * k + 1 elements and callers index below rows * k.
                guard let scoreBase = scores.baseAddress, let indexBase = indices.baseAddress else {
                    preconditionFailure("heap storage always has its spare slot")
                }
                return unsafe body(scoreBase, indexBase)
            }
        }
    }

    /// Whether (a, ai) ranks below (b, bi): a lower score, or the same score and a higher index.
    @inline(__always)
    static func isWorse(_ a: Float, _ ai: Int, than b: Float, _ bi: Int) -> Bool {
        a < b || (a == b && ai > bi)
    }

    /// Keeps (score, index) if it ranks above the root (the worst kept), replacing the root.
    @inline(__always)
    static func offer(
        _ scores: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int>, _ k: Int, _ score: Float,
        _ index: Int
    ) {
        guard unsafe isWorse(scores[0], indices[0], than: score, index) else { return }
        unsafe replaceTop(scores, indices, k, score, index)
    }

    /// Adds every kept neighbour of `other` (private heaps of the same shape) to these heaps.
    mutating func merge(_ other: Heaps) {
        precondition(other.rows == rows && other.k == k, "heaps of another shape")
        guard k > 0 else { return }
        let k = k
        let rows = rows
        unsafe withUnsafe { scores, indices in
            for row in 0..<rows {
                let base = row * k
                for slot in base..<(base + k) where other.indices[slot] >= 0 {
                    unsafe Heaps.offer(scores + base, indices + base, k, other.scores[slot], other.indices[slot])
                }
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
            let child =
                unsafe right < k && isWorse(scores[right], indices[right], than: scores[left], indices[left])
                ? right : left
            guard unsafe isWorse(scores[child], indices[child], than: score, index) else { break }
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
