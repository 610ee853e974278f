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
    print(
        """
        {"n": \(n), "d": \(d), "k": 10, "seconds": \(time), \
        "effective_gflops": \(2.0 * Double(n) * Double(n) * Double(d) / time / 1e9), \
        "performed_gflops": \(Double(n) * Double(n) * Double(d) / time / 1e9), "rows_without_near_self": \(selfTop)}
        """)
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
    print(
        "{\"m\": \(m), \"n\": \(nn), \"k\": \(k), \"best_seconds\": \(best), \"gflops\": \(2.0 * Double(m * nn * k) / best / 1e9)}"
    )
case "images":
    let folder = arguments[2]
    let specs = try Data(contentsOf: URL(fileURLWithPath: folder + "/specs.jsonl"))
    var urls: [String] = []
    for line in specs.split(separator: 10) {
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let path = object["path"] as? String, object["format"] as? String == "jpeg",
            (object["variant"] as? [String: Any])?["original"] != nil
        else { continue }
        urls.append("https://cvety.kz/" + path)
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
    print(
        "{\"images\": \(urls.count), \"seconds\": \(time), \"images_per_second\": \(Double(urls.count) / time), \"workers\": \(workers)}"
    )
case "neardup":
    try nearDuplicates(folder: arguments[2])
default:
    FileHandle.standardError.write(Data("usage: IndexBench allpairs N | sgemm | images FOLDER | neardup FOLDER\n".utf8))
    exit(64)
}

/// The near-duplicate evaluation: recall, false pairs and the margin between the hardest planted pair and
/// the nearest false one, for the whole index stage on the set's files; one JSON object on stdout.
func nearDuplicates(folder: String) throws {
    let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/truth.json")))
    guard let root = truth as? [String: Any], let images = root["images"] as? [[String: Any]],
        let required = root["required"] as? [[Any]], let negatives = root["negatives"] as? [[Any]]
    else { throw IndexError(.configuration, "\(folder)/truth.json: not a truth file") }
    var products: [CanonicalProduct] = []
    var group: [Int64: Int] = [:]
    for image in images {
        guard let id = image["id"] as? Int, let path = image["path"] as? String, let g = image["group"] as? Int else {
            continue
        }
        products.append(
            CanonicalProduct(id: Int64(id), shopID: 17008, name: "eval \(id)", image: "https://cvety.kz/" + path))
        group[Int64(id)] = g
    }
    func pair(_ row: [Any]) -> (Int64, Int64, String)? {
        guard row.count >= 3, let a = row[0] as? Int, let b = row[1] as? Int, let label = row[2] as? String else {
            return nil
        }
        return (Int64(min(a, b)), Int64(max(a, b)), label)
    }
    let wanted = required.compactMap(pair)
    let hard = negatives.compactMap(pair)
    let ambiguous = Set(((root["ambiguous"] as? [[Any]]) ?? []).compactMap(pair).map { "\($0.0)|\($0.1)" })
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
    func json(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data(), as: UTF8.self)
            .dropFirst().dropLast().description
    }
    print(
        """
        {"images": \(products.count), "required": \(wanted.count), "found": \(wanted.count - missed.count), \
        "recall": \(Double(wanted.count - missed.count) / Double(max(1, wanted.count))), \
        "false_pairs": \(falsePairs.count), "hard_negatives": \(hard.count), \
        "candidates": \(outcome?.candidatePairs ?? 0), "luma_candidates": \(outcome?.lumaCandidatePairs ?? 0), \
        "rejected_candidates": \(outcome?.rejectedPairs ?? 0), \
        "missed": [\(missed.map { json("\($0.0)|\($0.1) \($0.2)") }.joined(separator: ", "))], \
        "false": [\(falsePairs.map(json).joined(separator: ", "))], \
        "hardest_true": {"confidence": \(hardest.score), "pair": \(json(hardest.label))}, \
        "nearest_false": {"confidence": \(nearest.score), "pair": \(json(nearest.label))}, \
        "margin": \(hardest.score - nearest.score), "seconds": \(time), \
        "verifier": \(json(parameters.summary)), "candidate_threshold": \(options.duplicateThreshold)}
        """)
}
