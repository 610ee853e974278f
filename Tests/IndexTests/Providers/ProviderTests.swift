import BackstopIndex
import BackstopTestSupport
import Foundation
import Synchronization
import Testing

/// The provider clients against loopback servers speaking each protocol (no real endpoint is reachable).
@Suite(.timeLimit(.minutes(1))) struct ProviderTests {
    /// A deterministic 512-d, not normalised vector for a URL or payload.
    static func vector(for text: String, scale: Float = 3) -> [Float] {
        var seed = UInt64(
            truncatingIfNeeded: text.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })
        return (0..<512).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(seed >> 40) / Float(1 << 24) - 0.5) * scale
        }
    }

    @Test func embeddingServiceBatchesAndFallsBackToSingleRequests() throws {
        let server = try LoopbackHTTPServer.start { request in
            let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
            switch request.target {
            case "/embed/batch":
                let urls = object["image_urls"] as? [String] ?? []
                // The service does not follow redirects in batch mode: one URL fails there.
                let results: [[String: Any]] = urls.map { url in
                    url.hasSuffix("redirected.jpg")
                        ? ["image_url": url, "success": false, "error": "302"]
                        : ["image_url": url, "success": true, "embedding": Self.vector(for: url).map(Double.init)]
                }
                return .init(body: [UInt8](try! JSONSerialization.data(withJSONObject: ["results": results])))
            case "/embed/image":
                let url = object["image_url"] as? String ?? ""
                let answer: [String: Any] = [
                    "success": true, "embedding": Self.vector(for: url).map(Double.init), "dimensions": 512,
                ]
                return .init(body: [UInt8](try! JSONSerialization.data(withJSONObject: answer)))
            default:
                return .init(status: 404)
            }
        }
        defer { server.stop() }
        let client = EmbeddingServiceClient(baseURL: server.baseURL, batchSize: 50)
        let items =
            (0..<120).map { ProviderItem(productID: Int64($0), url: "https://cvety.kz/\($0).jpg", bytes: []) }
            + [ProviderItem(productID: 999, url: "https://cvety.kz/redirected.jpg", bytes: [])]
        let vectors = client.embed(items)
        #expect(vectors.count == items.count)
        for (item, result) in zip(items, vectors) {
            let vector = try result.get()
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "L2-normalised")
            let expected = Self.vector(for: item.url)
            let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(vector[7] - expected[7] / norm) < 1e-5)
        }
        #expect(server.requests.filter { $0 == "POST /embed/batch" }.count == 3, "120 + 1 URLs in batches of 50")
        #expect(server.requests.filter { $0 == "POST /embed/image" }.count == 1, "the batch failure retried alone")
    }

    /// The batch answer by position (`{"embeddings": [[…], …]}`) with one malformed entry: that entry alone
    /// goes to `/embed/image`; the requests are Codable bodies with sorted keys, byte for byte.
    @Test func embeddingServiceReadsPositionalAnswersAndRetriesOnlyTheMalformedEntry() throws {
        let bodies = Mutex<[String: [String]]>([:])
        let server = try LoopbackHTTPServer.start { request in
            bodies.withLock { $0[request.target, default: []].append(String(decoding: request.body, as: UTF8.self)) }
            switch request.target {
            case "/embed/batch":
                let first = "[" + Self.vector(for: "a").map { String(Double($0)) }.joined(separator: ",") + "]"
                return .init(body: Array(#"{"embeddings": [\#(first), ["x", 1]]}"#.utf8))
            case "/embed/image":
                let embedding = Self.vector(for: "b").map(Double.init)
                return .init(body: [UInt8](try! JSONSerialization.data(withJSONObject: ["embedding": embedding])))
            default:
                return .init(status: 404)
            }
        }
        defer { server.stop() }
        let client = EmbeddingServiceClient(baseURL: server.baseURL)
        let items = [
            ProviderItem(productID: 1, url: "https://cvety.kz/upload/a.jpg", bytes: []),
            ProviderItem(productID: 2, url: "https://cvety.kz/upload/b.jpg", bytes: []),
        ]
        let vectors = try client.embed(items).map { try $0.get() }
        for (vector, text) in zip(vectors, ["a", "b"]) {
            let expected = Self.vector(for: text)
            let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(vector[3] - expected[3] / norm) < 1e-5, "\(text)")
        }
        #expect(
            bodies.withLock { $0 } == [
                "/embed/batch": [#"{"image_urls":["https://cvety.kz/upload/a.jpg","https://cvety.kz/upload/b.jpg"]}"#],
                "/embed/image": [#"{"image_url":"https://cvety.kz/upload/b.jpg","product_id":2}"#],
            ])
    }

    @Test func vertexGetsBase64BytesAndDimension512AndRetries() throws {
        let calls = Counter()
        let server = try LoopbackHTTPServer.start { request in
            let attempt = calls.increment()
            if attempt == 1 { return .init(status: 429) }
            guard request.headers["authorization"] == "Bearer token-1",
                let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any],
                let instances = object["instances"] as? [[String: Any]],
                let image = instances.first?["image"] as? [String: Any],
                let base64 = image["bytesBase64Encoded"] as? String,
                let parameters = object["parameters"] as? [String: Any], parameters["dimension"] as? Int == 512
            else { return .init(status: 400) }
            let answer: [String: Any] = ["predictions": [["imageEmbedding": Self.vector(for: base64).map(Double.init)]]]
            return .init(body: [UInt8](try! JSONSerialization.data(withJSONObject: answer)))
        }
        defer { server.stop() }
        var options = HTTPTransport.Options()
        options.backoff = 0.01
        let client = VertexEmbeddingClient(
            endpoint: server.baseURL
                + "/v1/projects/p/locations/l/publishers/google/models/multimodalembedding@001:predict",
            accessToken: "token-1", transport: HTTPTransport(options: options))
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 1, 2, 3]
        let result = try #require(client.embed([ProviderItem(productID: 1, url: "u", bytes: bytes)]).first).get()
        let expected = Self.vector(for: Data(bytes).base64EncodedString())
        let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(result[0] - expected[0] / norm) < 1e-5)
        #expect(calls.value == 2, "a 429 is retried")
    }
}
