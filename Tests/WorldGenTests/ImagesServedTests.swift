import BackstopModel
import BackstopTestSupport
import BackstopWorldGen
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A generated world's images served over loopback HTTP, the way the index stage will download them: the
/// catalog's image URLs (with `https://cvety.kz/` replaced by the server's base URL) answer 200 with a
/// decodable picture, 404 for the planted missing files, and 200 with undecodable bytes for the planted
/// corrupt ones.
@Suite(.timeLimit(.minutes(5))) struct ImagesServedTests {
    /// Every `https://cvety.kz/upload/…` URL in the world's catalog COPY files, in file order, deduplicated.
    static func catalogImageURLs(_ world: URL) throws -> [String] {
        var urls: [String] = []
        var seen = Set<String>()
        let prefix = Array((WorldIDs.imageHost + "upload/").utf8)
        for table in ["product", "productimage", "product_embeddings"] {
            let bytes = try [UInt8](Data(contentsOf: world.appendingPathComponent("catalog/\(table).copy")))
            var index = 0
            while index + prefix.count <= bytes.count {
                guard bytes[index] == prefix[0], bytes[index..<(index + prefix.count)].elementsEqual(prefix) else {
                    index += 1
                    continue
                }
                var end = index
                while end < bytes.count, bytes[end] != 9, bytes[end] != 10, bytes[end] != 0x5C { end += 1 }
                let url = String(decoding: bytes[index..<end], as: UTF8.self)
                if seen.insert(url).inserted { urls.append(url) }
                index = end
            }
        }
        return urls
    }

    @Test func catalogImageURLsServeThePlantedOutcomes() async throws {
        // The s world when scripts/test.d/10-world.sh rendered its images, else a fresh tiny world whose
        // sampled images are rendered here (a debug build renders a few per second).
        var cleanup: URL?
        let world: URL
        var render = false
        if let s = WorldFixture.sWorld,
            FileManager.default.fileExists(atPath: s.appendingPathComponent("images/upload").path)
        {
            world = s
        } else {
            world = try await WorldFixture.tinyWorld(seed: 11, socket: nil)
            cleanup = world
            render = true
        }
        defer { if let cleanup { try? FileManager.default.removeItem(at: cleanup) } }

        let specs = try WorldImages.readSpecs(from: world.appendingPathComponent("images/specs.jsonl"))
        var corrupt = Set<String>()
        var good = Set<String>()
        for spec in specs {
            if spec.variant == .corrupt { corrupt.insert(spec.path) } else { good.insert(spec.path) }
        }
        let unreachable = try WorldFixture.manifest(world).filter { $0.kind == .imageUnreachable }
        let plantedMissing = unreachable.filter { $0.cause == "missing_file" }.compactMap(\.bitrix)
        let plantedCorrupt = unreachable.filter { $0.cause == "corrupt_file" }.compactMap(\.bitrix)
        try #require(!plantedMissing.isEmpty && !plantedCorrupt.isEmpty, "the world plants both kinds")

        // A sample: every planted URL and every 7th catalog URL (at most 100).
        let catalogURLs = try Self.catalogImageURLs(world)
        try #require(catalogURLs.count > 20, "the catalog references images")
        var sample = plantedMissing + plantedCorrupt
        sample += catalogURLs.enumerated().filter { $0.offset % 7 == 0 }.map(\.element).prefix(100)
        sample = Array(Set(sample)).sorted()

        if render {
            let wanted = Set(sample.map { String($0.dropFirst(WorldIDs.imageHost.count)) })
            let rendered = try WorldImages.write(
                specs.filter { wanted.contains($0.path) },
                to: world.appendingPathComponent("images"))
            #expect(rendered > 10)
        }
        let server = try StaticFileServer.start(root: world.appendingPathComponent("images"))
        defer { server.stop() }
        var outcomes: [String: Int] = [:]
        for original in sample {
            let path = String(original.dropFirst(WorldIDs.imageHost.count))
            let url = try #require(URL(string: path, relativeTo: server.baseURL), "\(original)")
            let (data, response) = try await URLSession.shared.data(from: url)
            let status = try #require(response as? HTTPURLResponse).statusCode
            let decodes = (try? WorldImageCodec.decode([UInt8](data))) != nil
            let expected = good.contains(path) ? "ok" : corrupt.contains(path) ? "corrupt" : "missing"
            outcomes[expected, default: 0] += 1
            switch expected {
            case "ok":
                #expect(status == 200 && decodes, "\(path): status \(status), decodes \(decodes)")
            case "corrupt":
                #expect(status == 200 && !decodes, "\(path): status \(status), decodes \(decodes)")
            default:
                #expect(status == 404, "\(path): status \(status)")
            }
        }
        for url in plantedMissing {
            let path = String(url.dropFirst(WorldIDs.imageHost.count))
            #expect(!good.contains(path) && !corrupt.contains(path), "planted missing \(url) has a spec")
        }
        for url in plantedCorrupt {
            #expect(corrupt.contains(String(url.dropFirst(WorldIDs.imageHost.count))), "planted corrupt \(url)")
        }
        #expect(outcomes["ok", default: 0] > 10, "\(outcomes)")
        #expect(outcomes["missing", default: 0] >= plantedMissing.count, "\(outcomes)")
        #expect(outcomes["corrupt", default: 0] == Set(plantedCorrupt).count, "\(outcomes)")
    }
}
