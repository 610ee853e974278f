import BackstopIndex
import BackstopTestSupport
import Foundation
import Testing

/// The local model on the `s` world's rendered bouquets: near-duplicates made from them across the range the
/// issue names (JPEG quality 60–95, resized 0.5–1.5×, cropped up to 5 % per side) find their source first and
/// score above the shipped threshold, while distinct bouquets rarely do.
@Suite(.enabled(if: WorldImages.isAvailable, "needs the rendered s world (scripts/test.d/10-world.sh)"))
struct LocalModelQualityTests {
    @Test func nearDuplicatesFindTheirSourceAndDistinctBouquetsStayApart() throws {
        let originals = try WorldImages.originals(limit: 3000)
        // The database goes through the production path: DCT-scaled decode of the file's bytes.
        let descriptors = try originals.map {
            ImageDescriptor.describe(
                try ImageDecoder.decode($0.bytes, minWidth: ImageDescriptor.width, minHeight: ImageDescriptor.height))
        }
        let model = try LocalEmbeddingModel.fit(descriptors: descriptors)
        var database = VectorMatrix(dimensions: 512)
        for descriptor in descriptors { database.append(model.embed(descriptor: descriptor)) }

        // Variants of every 15th original.
        struct Variant { var source: Int; var name: String; var bytes: [UInt8] }
        var variants: [Variant] = []
        for source in stride(from: 0, to: originals.count, by: 15) {
            let image = originals[source].image
            for quality in [60, 75, 95] {
                variants.append(
                    Variant(source: source, name: "q\(quality)", bytes: try ImageEncoder.jpeg(image, quality: quality)))
            }
            for factor in [0.5, 0.75, 1.25, 1.5] {
                let resized = image.resized(
                    width: Int(Double(image.width) * factor), height: Int(Double(image.height) * factor))
                variants.append(
                    Variant(source: source, name: "x\(factor)", bytes: try ImageEncoder.jpeg(resized, quality: 90)))
            }
            for percent in [2, 5] {
                let dx = image.width * percent / 100
                let dy = image.height * percent / 100
                let cropped = image.cropped(x: dx, y: dy, width: image.width - 2 * dx, height: image.height - 2 * dy)
                variants.append(
                    Variant(source: source, name: "crop\(percent)", bytes: try ImageEncoder.jpeg(cropped, quality: 90)))
            }
        }
        var queries = VectorMatrix(dimensions: 512)
        for variant in variants {
            let decoded = try ImageDecoder.decode(
                variant.bytes, minWidth: ImageDescriptor.width, minHeight: ImageDescriptor.height)
            queries.append(model.embed(decoded))
        }
        let found = SimilaritySearch.search(queries: queries, database: database, k: 1)
        var hits = 0
        var worst: [String: Float] = [:]
        var mean: [String: Float] = [:]
        for (index, variant) in variants.enumerated() {
            let top = found.neighbors[index].first
            if top?.index == variant.source { hits += 1 }
            mean[variant.name, default: 0] += (top?.score ?? 0) / Float(variants.count / 9)
            worst[variant.name] = min(worst[variant.name] ?? 1, top?.index == variant.source ? top!.score : -1)
        }
        let all = SimilaritySearch.selfJoin(database, k: 1, threshold: IndexDefaults.duplicateThreshold)
        var nearestOther = all.neighbors.map { $0.first?.score ?? -1 }
        nearestOther.sort()
        print(
            "local model: recall@1 \(hits)/\(variants.count); worst source score by variant \(worst.sorted { $0.key < $1.key }) mean \(mean.sorted { $0.key < $1.key })"
        )
        print(
            "local model: distinct nearest p50 \(nearestOther[nearestOther.count / 2]) p99 \(nearestOther[nearestOther.count * 99 / 100]) max \(nearestOther.last!); pairs >= threshold \(all.pairs.count)"
        )
        #expect(Double(hits) >= 0.99 * Double(variants.count))
        let involved = Set(all.pairs.flatMap { [$0.first, $0.second] })
        #expect(Double(involved.count) <= 0.005 * Double(originals.count), "false duplicates: \(all.pairs.prefix(5))")
        for (name, score) in worst { #expect(score >= IndexDefaults.duplicateThreshold, "\(name) scored \(score)") }
    }
}

/// The rendered `s` world's images, for the model's quality tests.
enum WorldImages {
    static var world: URL {
        ProcessInfo.processInfo.environment["BACKSTOP_WORLD_S"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? RepoPaths.root.appendingPathComponent(".backstop/worlds/s-1")
    }

    static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: world.appendingPathComponent("images/specs.jsonl").path)
            && FileManager.default.fileExists(atPath: world.appendingPathComponent("images/upload").path)
    }

    /// Decoded originals with distinct bouquets (full size), in spec order.
    static func originals(limit: Int) throws -> [(path: String, image: RGBImage, bytes: [UInt8])] {
        let data = try Data(contentsOf: world.appendingPathComponent("images/specs.jsonl"))
        var seen = Set<String>()
        var out: [(String, RGBImage, [UInt8])] = []
        for line in data.split(separator: 10) where out.count < limit {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let path = object["path"] as? String, let variant = object["variant"] as? [String: Any],
                variant["original"] != nil, let seed = object["bouquetSeed"].map({ "\($0)" }),
                seen.insert(seed).inserted
            else { continue }
            let bytes = try [UInt8](Data(contentsOf: world.appendingPathComponent("images/" + path)))
            out.append((path, try ImageDecoder.decode(bytes), bytes))
        }
        return out
    }
}
