import BackstopBenchSupport
import BackstopIndex
import BackstopModel
import CBLAS
import Foundation
import Logging

// scripts/bench/50-index.sh: the index stage's kernels, one JSON object on stdout.
//   IndexBench allpairs N      all-pairs top-10 of N × 512 random unit vectors (seed 42); BENCH_TILE=rows
//                              overrides SimilaritySearch.defaultTile
//   IndexBench sgemm           4096 × 4096 × 512 cblas_sgemm, best of 10
//   IndexBench images FOLDER   fetch (mirror) + DCT-scaled decode + descriptor + embed + luma key of every
//                              435×545 JPEG original listed in FOLDER/specs.jsonl (model fitted first)
//   IndexBench neardup FOLDER  the near-duplicate evaluation set (scripts/bench/eval/make_evalset.py): the
//                              index stage (full, every image of FOLDER/truth.json a product) and its
//                              image.duplicate pairs against the ground truth, with the verifier's scores
//                              on every planted pair and hard negative

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "allpairs":
    let n = arguments.count > 2 ? Int(arguments[2]) ?? 50_000 : 50_000
    let d = 512
    var random = SplitMix64(seed: 42)
    var storage = [Float](repeating: 0, count: n * d)
    for index in 0..<storage.count {
        // Box-Muller would be closer to FAISS's Gaussian; uniform then normalised is as hard for the kernel.
        storage[index] = Float(Double(random.next() >> 11) / Double(1 << 53) - 0.5)
    }
    var matrix = VectorMatrix(dimensions: d, storage: storage)
    matrix.normalizeRows()
    var neighbors: [[Neighbor]] = []
    let tile = ProcessInfo.processInfo.environment["BENCH_TILE"].flatMap { Int($0) } ?? SimilaritySearch.defaultTile
    let time = seconds { neighbors = SimilaritySearch.selfJoin(matrix, k: 11, tile: tile).neighbors }
    let selfTop = neighbors.enumerated().filter { $0.element.first.map { $0.score < 0.99 } ?? false }.count
    try BenchOutput.print(
        AllPairsResult(
            n: n, d: d, k: 10, seconds: time,
            effectiveGflops: BenchOutput.finite(2.0 * Double(n) * Double(n) * Double(d) / time / 1e9),
            performedGflops: BenchOutput.finite(Double(n) * Double(n) * Double(d) / time / 1e9),
            rowsWithoutNearSelf: selfTop))
case "sgemm":
    let (m, nn, k) = (4096, 4096, 512)
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: k * nn)
    var c = [Float](repeating: 0, count: m * nn)
    var best = Double.infinity
    for _ in 0..<11 {
        let t = seconds {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(nn), Int32(k), 1, a, Int32(k), b,
                Int32(nn), 0, &c, Int32(nn))
        }
        best = min(best, t)
    }
    try BenchOutput.print(
        SgemmResult(
            m: m, n: nn, k: k, bestSeconds: best, gflops: BenchOutput.finite(2.0 * Double(m * nn * k) / best / 1e9)))
case "images":
    let folder = arguments[2]
    let specs = try Data(contentsOf: URL(fileURLWithPath: folder + "/specs.jsonl"))
    var urls: [String] = []
    let decoder = JSONDecoder()
    for line in specs.split(separator: 10) {
        let spec = try decoder.decode(ImageSpecLine.self, from: Data(line))
        guard spec.format == "jpeg", spec.variant.keys.contains("original") else { continue }
        urls.append("https://cvety.kz/" + spec.path)
    }
    var options = ImageFetcher.Options(mirror: try ImageMirror(parsing: "https://cvety.kz/=\(folder)/"))
    options.allowNetwork = false
    let fetcher = try ImageFetcher(options: options)
    // The model is fitted on the first 3 000 (what a full reindex does before embedding).
    var fitDescriptors: [[Float]] = []
    for url in urls.prefix(3000) {
        let image = try fetcher.fetch(url).get()
        fitDescriptors.append(
            ImageDescriptor.describe(try ImageDecoder.decode(image.bytes, minWidth: 48, minHeight: 60)))
    }
    let model = try LocalEmbeddingModel.fit(descriptors: fitDescriptors)
    let workers = ProcessInfo.processInfo.activeProcessorCount
    let all = urls
    let time = seconds {
        WorkLoop.forEach(all.count, concurrency: workers) { index in
            guard case .success(let image) = fetcher.fetch(all[index]),
                let decoded = try? ImageDecoder.decode(image.bytes, minWidth: 48, minHeight: 60)
            else { return }
            // What the image pass does with each decode: the descriptor and vector, and the luma key.
            _ = model.embed(decoded)
            _ = ImageFingerprint.lumaKey(decoded)
        }
    }
    try BenchOutput.print(
        ImagesResult(
            images: urls.count, seconds: time, imagesPerSecond: BenchOutput.finite(Double(urls.count) / time),
            workers: workers))
case "neardup":
    try nearDuplicates(folder: arguments[2])
default:
    FileHandle.standardError.write(Data("usage: IndexBench allpairs N | sgemm | images FOLDER | neardup FOLDER\n".utf8))
    exit(64)
}

/// The near-duplicate evaluation: recall, false pairs and the margin between the hardest planted pair and
/// the nearest false one, for the whole index stage on the set's files; one JSON object on stdout.
func nearDuplicates(folder: String) throws {
    let truth: EvalTruth
    do {
        truth = try JSONDecoder().decode(
            EvalTruth.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/truth.json")))
    } catch {
        throw IndexError(.configuration, "\(folder)/truth.json: not a truth file (\(error))")
    }
    var products: [CanonicalProduct] = []
    var group: [Int64: Int] = [:]
    for image in truth.images {
        products.append(
            CanonicalProduct(
                id: image.id, shopID: 17008, name: "eval \(image.id)", image: "https://cvety.kz/" + image.path))
        group[image.id] = image.group
    }
    let wanted = truth.required.map(\.ordered)
    let hard = truth.negatives.map(\.ordered)
    let ambiguous = Set((truth.ambiguous ?? []).map(\.ordered).map { "\($0.0)|\($0.1)" })
    var fetchOptions = ImageFetcher.Options(mirror: try ImageMirror(parsing: "https://cvety.kz/=\(folder)/"))
    fetchOptions.allowNetwork = false
    let fetcher = try ImageFetcher(options: fetchOptions)
    var options = IndexStage.Options()
    options.mode = .full
    options.fetcher = fetcher
    if let threshold = ProcessInfo.processInfo.environment["NEARDUP_THRESHOLD"].flatMap(Float.init) {
        options.duplicateThreshold = threshold
    }
    let stage = IndexStage(options: options, logger: Logger(label: "neardup"))
    var outcome: IndexStage.Outcome?
    let time = try seconds {
        outcome = try stage.run(input: .init(products: products, embeddings: []), store: nil, writer: nil, runID: nil)
    }
    let reported = Set(
        (outcome?.discrepancies ?? []).filter { $0.kind == .imageDuplicate }.map(\.key))
    func key(_ a: Int64, _ b: Int64) -> String { "\(a)|\(b)" }
    let wantedKeys = Set(wanted.map { key($0.0, $0.1) })
    // Two copies of one original are the same picture, neither required nor false.
    func sameGroup(_ key: String) -> Bool {
        let parts = key.split(separator: "|").compactMap { Int64($0) }
        return parts.count == 2 && group[parts[0]] != nil && group[parts[0]] == group[parts[1]]
    }
    let missed = wanted.filter { !reported.contains(key($0.0, $0.1)) }
    let falsePairs = reported.filter { !wantedKeys.contains($0) && !sameGroup($0) && !ambiguous.contains($0) }.sorted()

    // The verifier's confidence on every planted pair and hard negative, and on every false candidate.
    var fingerprints: [Int64: ImageFingerprint] = [:]
    for product in products {
        guard case .success(let image) = fetcher.fetch(product.image ?? ""),
            let size = try? ImageDecoder.size(of: image.bytes),
            let decoded = try? ImageDecoder.decode(
                image.bytes, minWidth: ImageFingerprint.decodeSize, minHeight: ImageFingerprint.decodeSize)
        else { continue }
        fingerprints[product.id] = ImageFingerprint(decoded, width: size.width, height: size.height)
    }
    if ProcessInfo.processInfo.environment["NEARDUP_COSINES"] != nil {
        var descriptors: [Int64: [Float]] = [:]
        for product in products {
            guard case .success(let image) = fetcher.fetch(product.image ?? ""),
                let decoded = try? ImageDecoder.decode(image.bytes, minWidth: 48, minHeight: 60)
            else { continue }
            descriptors[product.id] = ImageDescriptor.describe(decoded)
        }
        let model = try LocalEmbeddingModel.fit(descriptors: products.compactMap { descriptors[$0.id] })
        var vectors: [Int64: [Float]] = [:]
        for (id, descriptor) in descriptors { vectors[id] = model.embed(descriptor: descriptor) }
        for (a, b, label) in wanted + hard {
            guard let x = vectors[a], let y = vectors[b] else { continue }
            var dot: Float = 0
            for index in 0..<x.count { dot += x[index] * y[index] }
            FileHandle.standardError.write(Data("cosine \(a)|\(b) \(dot) \(label)\n".utf8))
        }
    }
    let parameters = options.verifier
    let verbose = ProcessInfo.processInfo.environment["NEARDUP_VERBOSE"] != nil
    func confidence(_ a: Int64, _ b: Int64) -> Float {
        guard let first = fingerprints[a], let second = fingerprints[b] else { return -1 }
        let verdict = DuplicateVerifier.verify(first, second, parameters: parameters)
        if verbose {
            FileHandle.standardError.write(
                Data(
                    ("\(a)|\(b) dup=\(verdict.isDuplicate) \(verdict.rejection ?? "-") ncc=\(verdict.correlation) "
                        + "cell=\(verdict.cellError) ah=\(verdict.alignedHashDistance) h=\(verdict.hashDistance) "
                        + "col=\(verdict.colourDifference ?? -1) turn=\(verdict.hueTurn ?? -1) ov=\(verdict.overlap) \(verdict.placement)\n")
                        .utf8))
        }
        return verdict.confidence(parameters)
    }
    var hardest: (score: Float, label: String) = (.infinity, "")
    for (a, b, label) in wanted {
        let score = confidence(a, b)
        if score < hardest.score { hardest = (score, "\(a)|\(b) \(label)") }
    }
    var nearest: (score: Float, label: String) = (-.infinity, "")
    let falseRows: [(Int64, Int64, String)] = falsePairs.compactMap {
        let parts = $0.split(separator: "|").compactMap { Int64($0) }
        return parts.count == 2 ? (parts[0], parts[1], "reported, not the same picture") : nil
    }
    for (a, b, label) in hard + falseRows {
        let score = confidence(a, b)
        if score > nearest.score { nearest = (score, "\(a)|\(b) \(label)") }
    }
    // No planted pair (or no negative) leaves its score infinite: no such pair, written as null.
    try BenchOutput.print(
        NearDuplicateResult(
            images: products.count, required: wanted.count, found: wanted.count - missed.count,
            recall: Double(wanted.count - missed.count) / Double(max(1, wanted.count)), falsePairs: falsePairs.count,
            hardNegatives: hard.count, candidates: outcome?.candidatePairs ?? 0,
            lumaCandidates: outcome?.lumaCandidatePairs ?? 0, rejectedCandidates: outcome?.rejectedPairs ?? 0,
            missed: missed.map { "\($0.0)|\($0.1) \($0.2)" }, false: falsePairs,
            hardestTrue: .init(confidence: BenchOutput.finite(hardest.score), pair: hardest.label),
            nearestFalse: .init(confidence: BenchOutput.finite(nearest.score), pair: nearest.label),
            margin: BenchOutput.finite(hardest.score - nearest.score), seconds: time, verifier: parameters.summary,
            candidateThreshold: options.duplicateThreshold))
}

/// The fields of a line of a world's `images/specs.jsonl` (WorldGen's `ImageSpec`) this bench reads.
struct ImageSpecLine: Decodable {
    /// The file, relative to the images folder.
    var path: String
    /// `jpeg` or `png`.
    var format: String
    /// The variant, an object of one key (`{"original":{}}`, `{"resized":{"percent":80}}`).
    var variant: [String: AnyJSON]

    /// Any JSON value, skipped.
    struct AnyJSON: Decodable {
        /// Accepts whatever is there.
        init(from decoder: any Decoder) throws {}
    }
}

/// `truth.json` of the near-duplicate evaluation set (scripts/bench/eval/make_evalset.py).
struct EvalTruth: Decodable {
    /// One image of the set.
    struct Image: Decodable {
        /// The product id it is given.
        var id: Int64
        /// Its file, relative to the set's folder.
        var path: String
        /// Its source photograph: copies of one original share it.
        var group: Int
    }

    /// `[a, b, "why"]`: two image ids and a label.
    struct LabeledPair: Decodable {
        /// One image.
        var a: Int64
        /// The other.
        var b: Int64
        /// What the pair is (`crop 5 %`, `overlapping region (22 %)`).
        var label: String

        /// The pair with the smaller id first, as the index stage reports it.
        var ordered: (Int64, Int64, String) { (min(a, b), max(a, b), label) }

        /// Reads the three-element array.
        init(from decoder: any Decoder) throws {
            var items = try decoder.unkeyedContainer()
            a = try items.decode(Int64.self)
            b = try items.decode(Int64.self)
            label = try items.decode(String.self)
        }
    }

    /// Every image.
    var images: [Image]
    /// Pairs every method should find (an original and a planted copy).
    var required: [LabeledPair]
    /// Pairs that must not be reported.
    var negatives: [LabeledPair]
    /// Pairs neither required nor false (absent in older sets).
    var ambiguous: [LabeledPair]?
}

/// `IndexBench allpairs`: the self-join's time and rates.
struct AllPairsResult: Encodable {
    /// Vectors.
    var n: Int
    /// Dimensions.
    var d: Int
    /// Neighbours kept per vector.
    var k: Int
    /// Wall-clock seconds of the self-join.
    var seconds: Double
    /// 2·n²·d / seconds: the rate of a full product.
    var effectiveGflops: Double?
    /// n²·d / seconds: the rate of the half the symmetric join computes.
    var performedGflops: Double?
    /// Rows whose best neighbour is not themselves (should be 0).
    var rowsWithoutNearSelf: Int

    enum CodingKeys: String, CodingKey {
        case n, d, k, seconds, effectiveGflops = "effective_gflops", performedGflops = "performed_gflops"
        case rowsWithoutNearSelf = "rows_without_near_self"
    }
}

/// `IndexBench sgemm`: the machine's BLAS limit.
struct SgemmResult: Encodable {
    /// Rows of A and C.
    var m: Int
    /// Columns of B and C.
    var n: Int
    /// The inner dimension.
    var k: Int
    /// The fastest of the timed runs.
    var bestSeconds: Double
    /// 2·m·n·k / best seconds.
    var gflops: Double?

    enum CodingKeys: String, CodingKey { case m, n, k, bestSeconds = "best_seconds", gflops }
}

/// `IndexBench images`: the image pass's throughput.
struct ImagesResult: Encodable {
    /// Images fetched, decoded and embedded.
    var images: Int
    /// Wall-clock seconds.
    var seconds: Double
    /// Images per wall-clock second.
    var imagesPerSecond: Double?
    /// Parallel workers.
    var workers: Int

    enum CodingKeys: String, CodingKey { case images, seconds, imagesPerSecond = "images_per_second", workers }
}

/// `IndexBench neardup`: recall, false pairs and the verifier's margin on the evaluation set.
struct NearDuplicateResult: Encodable {
    /// A pair and the verifier's confidence on it.
    struct ScoredPair: Encodable {
        /// The confidence; `nil` when there is no such pair.
        var confidence: Float?
        /// `a|b label`.
        var pair: String

        /// Writes both keys, `null` for no confidence.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(confidence, forKey: .confidence)
            try container.encode(pair, forKey: .pair)
        }

        enum CodingKeys: String, CodingKey { case confidence, pair }
    }

    /// Images in the set.
    var images: Int
    /// Planted pairs.
    var required: Int
    /// Planted pairs reported.
    var found: Int
    /// found / required.
    var recall: Double
    /// Reported pairs that are neither planted, copies of one original, nor ambiguous.
    var falsePairs: Int
    /// Hard negatives in the set.
    var hardNegatives: Int
    /// Candidate pairs the similarity search proposed.
    var candidates: Int
    /// Candidates the luma key proposed.
    var lumaCandidates: Int
    /// Candidates the verifier rejected.
    var rejectedCandidates: Int
    /// Planted pairs not reported (`a|b label`).
    var missed: [String]
    /// False pairs (`a|b`).
    var `false`: [String]
    /// The planted pair with the lowest confidence.
    var hardestTrue: ScoredPair
    /// The negative (or false pair) with the highest confidence.
    var nearestFalse: ScoredPair
    /// hardest true − nearest false (positive: a threshold separates them).
    var margin: Float?
    /// Wall-clock seconds of the index stage.
    var seconds: Double
    /// The verifier's parameters.
    var verifier: String
    /// The cosine above which pairs are candidates.
    var candidateThreshold: Float

    enum CodingKeys: String, CodingKey {
        case images, required, found, recall, falsePairs = "false_pairs", hardNegatives = "hard_negatives"
        case candidates, lumaCandidates = "luma_candidates", rejectedCandidates = "rejected_candidates", missed
        case `false`, hardestTrue = "hardest_true", nearestFalse = "nearest_false", margin, seconds, verifier
        case candidateThreshold = "candidate_threshold"
    }

    /// Writes every key, `null` for a margin that does not exist.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(images, forKey: .images)
        try c.encode(required, forKey: .required)
        try c.encode(found, forKey: .found)
        try c.encode(recall, forKey: .recall)
        try c.encode(falsePairs, forKey: .falsePairs)
        try c.encode(hardNegatives, forKey: .hardNegatives)
        try c.encode(candidates, forKey: .candidates)
        try c.encode(lumaCandidates, forKey: .lumaCandidates)
        try c.encode(rejectedCandidates, forKey: .rejectedCandidates)
        try c.encode(missed, forKey: .missed)
        try c.encode(`false`, forKey: .false)
        try c.encode(hardestTrue, forKey: .hardestTrue)
        try c.encode(nearestFalse, forKey: .nearestFalse)
        try c.encode(margin, forKey: .margin)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(verifier, forKey: .verifier)
        try c.encode(candidateThreshold, forKey: .candidateThreshold)
    }
}
