import BackstopModel
import Foundation

extension IndexStage {
    /// The similarity pass over the local vectors: incremental from a stored state of the same model, k and
    /// threshold, the full self-join otherwise; the lists are saved, and the near-duplicate candidates are
    /// decided from the pixels (``verify(pairs:urls:fetcher:workers:)``): the pairs that pass become findings.
    ///
    /// The incremental path treats as changed every product re-embedded this run and every vector not yet
    /// in the stored lists; ``IncrementalSimilarity`` guarantees its lists equal a self-join's. A refit, a
    /// full run, `k == 0` or a stored state of another model, k or threshold takes the self-join. Products
    /// are ordered by id so the matrix, and with it every tie-break, is the same on every run. Nothing runs
    /// without a model version or without vectors (no finding, no histogram).
    ///
    /// - Parameters:
    ///   - images: The image pass's vectors, luma hashes and stored state.
    ///   - productsByID: Catalog products by id, for the pairs' image URLs.
    ///   - fetcher: Reads both pictures of each candidate again for the verifier.
    ///   - store: Where the lists and pairs are kept; `nil` keeps nothing.
    ///   - runID: The run saving them.
    ///   - outcome: Similarity counts, candidate and rejection counts, thumbnails and top scores are set.
    /// - Returns: The `duplicateImage` findings.
    /// - Throws: `PGError` from the store.
    func runSimilarity(
        images: ImagePass, productsByID: [Int64: CanonicalProduct], fetcher: ImageFetcher, store: IndexStore?,
        runID: Int64?, outcome: inout Outcome
    ) throws -> [IndexFinding] {
        var findings: [IndexFinding] = []
        if let version = outcome.modelVersion, !images.vectorsByProduct.isEmpty {
            let sorted = images.vectorsByProduct.sorted { $0.key < $1.key }
            let ids = sorted.map(\.key)
            var matrix = VectorMatrix(dimensions: images.model?.dimensions ?? 512)
            for (_, vector) in sorted { matrix.append(vector) }
            let k = options.similarCount
            let threshold = options.duplicateThreshold
            // Incremental only from a state of this same model, k and threshold: otherwise the self-join.
            let previous =
                options.mode == .incremental && !images.refitting && k > 0
                ? try store?.similarity(modelVersion: version, k: k, threshold: threshold) : nil
            let state: SimilarityState
            if let previous {
                var changed = Set(outcome.reembedded)
                for id in ids where !(images.stored[id]?.inSimilarity ?? false) { changed.insert(id) }
                let update = IncrementalSimilarity.update(
                    ids: ids, vectors: matrix, changed: changed, stored: previous, k: k, threshold: threshold)
                state = update.state
                let written = try store?.saveSimilarity(
                    state, replacing: previous, modelVersion: version, k: k, threshold: threshold, runID: runID)
                outcome.similarity = .init(
                    incremental: true, products: ids.count, changed: changed.count, searched: update.searched,
                    listsWritten: written ?? update.changedLists.count + update.removed.count)
            } else {
                state = IncrementalSimilarity.full(ids: ids, vectors: matrix, k: k, threshold: threshold)
                try store?.saveSimilarity(
                    state, replacing: nil, modelVersion: version, k: k, threshold: threshold, runID: runID)
                outcome.similarity = .init(
                    incremental: false, products: ids.count, changed: ids.count, searched: ids.count,
                    listsWritten: ids.count)
            }
            // Candidates (the cosine's, and the colour-blind luma hashes'), then a decision from the pixels.
            let candidates = Self.candidates(state.pairs, images: images, matrix: matrix, ids: ids)
            outcome.lumaCandidatePairs = candidates.count - state.pairs.count
            var urls: [Int64: String] = [:]
            for pair in candidates {
                urls[pair.first] = productsByID[pair.first]?.image ?? ""
                urls[pair.second] = productsByID[pair.second]?.image ?? ""
            }
            let workers =
                options.workers
                ?? (fetcher.options.mirror != nil && !fetcher.options.allowNetwork
                    ? ProcessInfo.processInfo.activeProcessorCount : fetcher.options.concurrency)
            let verification = verify(pairs: candidates, urls: urls, fetcher: fetcher, workers: workers)
            outcome.candidatePairs = candidates.count
            outcome.rejectedPairs = verification.rejected
            outcome.verifier = options.verifier.summary
            outcome.thumbnails = verification.thumbnails
            for verified in verification.verified {
                let pair = verified.pair
                findings.append(
                    .duplicateImage(
                        first: pair.first, second: pair.second, score: pair.score,
                        firstURL: productsByID[pair.first]?.image ?? "",
                        secondURL: productsByID[pair.second]?.image ?? "", verdict: verified.verdict,
                        verifier: options.verifier.version))
            }
            outcome.topScores = state.topScores
        }
        return findings
    }

    /// The cosine's candidate pairs plus the pairs of products whose luma hashes are close
    /// (``DuplicateCandidates/lumaPairs(_:maxDistance:)``) and whose cosine did not reach the threshold; those
    /// carry their cosine as score. In ascending (first, second) order.
    /// - Parameters:
    ///   - pairs: The cosine's pairs at or above the threshold.
    ///   - images: The image pass (luma hashes and grayscale flags).
    ///   - matrix: The unit vectors, row `i` for `ids[i]`.
    ///   - ids: Product ids in matrix row order.
    /// - Returns: Every candidate pair once.
    static func candidates(
        _ pairs: [DuplicatePair], images: ImagePass, matrix: VectorMatrix, ids: [Int64]
    ) -> [DuplicatePair] {
        var hashes: [Int64: UInt64] = [:]
        for id in ids { if let hash = images.lumaHashes[id] { hashes[id] = hash } }
        let known = Set(pairs.map { [$0.first, $0.second] })
        var row: [Int64: Int] = [:]
        for (index, id) in ids.enumerated() { row[id] = index }
        var out = pairs
        for pair in DuplicateCandidates.lumaPairs(hashes, grayscale: images.grayscale)
        where !known.contains([pair.first, pair.second]) {
            guard let a = row[pair.first], let b = row[pair.second] else { continue }
            out.append(DuplicatePair(first: pair.first, second: pair.second, score: Self.dot(matrix[a], matrix[b])))
        }
        out.sort { ($0.first, $0.second) < ($1.first, $1.second) }
        return out
    }

    /// The dot product of two rows (the cosine of two unit vectors); a plain loop, called once per luma
    /// candidate, never in the self-join's hot path.
    /// - Parameters:
    ///   - a: One row.
    ///   - b: Another row of the same length.
    /// - Returns: Σ aᵢbᵢ.
    static func dot(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        var sum: Float = 0
        for (x, y) in zip(a, b) { sum += x * y }
        return sum
    }
}
