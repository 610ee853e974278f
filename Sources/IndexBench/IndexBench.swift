import BackstopIndex
import BackstopModel
import CBLAS
import Foundation

// scripts/bench/50-index.sh: the index stage's kernels, one JSON object on stdout.
//   IndexBench allpairs N      all-pairs top-10 of N × 512 random unit vectors (seed 42); BENCH_TILE=rows
//                              overrides SimilaritySearch.defaultTile
//   IndexBench sgemm           4096 × 4096 × 512 cblas_sgemm, best of 10
//   IndexBench images FOLDER   fetch (mirror) + DCT-scaled decode + descriptor + embed of every
//                              435×545 JPEG original listed in FOLDER/specs.jsonl (model fitted first)

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
        ImageFetcher.forEach(all.count, concurrency: workers) { index in
            guard case .success(let image) = fetcher.fetch(all[index]),
                let decoded = try? ImageDecoder.decode(image.bytes, minWidth: 48, minHeight: 60)
            else { return }
            _ = model.embed(decoded)
        }
    }
    print(
        "{\"images\": \(urls.count), \"seconds\": \(time), \"images_per_second\": \(Double(urls.count) / time), \"workers\": \(workers)}"
    )
default:
    FileHandle.standardError.write(Data("usage: IndexBench allpairs N | sgemm | images FOLDER\n".utf8))
    exit(64)
}
