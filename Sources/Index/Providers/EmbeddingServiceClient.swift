import Foundation

/// Client of upstream's Railway `embedding-service` (upstream.md §3.2): `POST /embed/batch
/// {"image_urls": [...]}` for up to 50 URLs, falling back to `POST /embed/image {"image_url", "product_id"}`
/// for items the batch did not answer. The service downloads the URLs itself and returns Vertex's
/// vectors, L2-normalised; Backstop normalises again (a no-op on unit vectors).
///
/// The batch answer's shape is not in the upstream notes; this client accepts `{"results": [{"image_url",
/// "success", "embedding", "error"}]}` (matched by URL) and `{"embeddings": [[…], …]}` (matched by position).
public struct EmbeddingServiceClient: EmbeddingProvider {
    /// The service's base URL (`EMBEDDING_SERVICE_URL`).
    public var baseURL: String
    /// The label written to `model_version` (upstream hard-codes `vertex-multimodal-001`).
    public var modelVersion: String
    /// The vectors' length, 512 for Vertex's multimodal model; an answer of another length is a failure.
    public var dimensions: Int
    /// URLs per batch request (the service's limit is 50).
    public var batchSize: Int
    /// Batch requests in flight; kept low because the service itself fans out to Vertex.
    public var concurrency: Int
    /// The HTTP client (timeouts, retries, size cap).
    let transport: HTTPTransport

    /// A client of the service at `baseURL`; timeouts and retries come from `transport`.
    /// - Parameters:
    ///   - baseURL: The service's root (upstream's default `http://localhost:8001`); a trailing `/` is dropped.
    ///   - modelVersion: The label written to `product_embeddings.model_version`.
    ///   - dimensions: The expected vector length.
    ///   - batchSize: URLs per `/embed/batch` request, at most the service's 50.
    ///   - concurrency: Batch requests in flight.
    ///   - transport: The HTTP client.
    public init(
        baseURL: String, modelVersion: String = IndexDefaults.productionModel, dimensions: Int = 512,
        batchSize: Int = 50, concurrency: Int = 2, transport: HTTPTransport = HTTPTransport()
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.modelVersion = modelVersion
        self.dimensions = dimensions
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.transport = transport
    }

    /// Embeds `items`, `batchSize` URLs per request; what a batch does not answer (or the whole batch, when
    /// it fails) is retried one item at a time through `/embed/image`.
    /// - Parameter items: The products and their image URLs (the service downloads them; bytes are unused).
    /// - Returns: One result per item, in order: a unit vector or why there is none.
    public func embed(_ items: [ProviderItem]) -> [Result<[Float], ProviderFailure>] {
        inBatches(items.count, batchSize: batchSize, concurrency: concurrency) { range in
            embedBatch(Array(items[range]))
        }
    }

    func embedBatch(_ items: [ProviderItem]) -> [Result<[Float], ProviderFailure>] {
        var results = [Result<[Float], ProviderFailure>](
            repeating: .failure(ProviderFailure("not answered by /embed/batch")), count: items.count)
        if let body = EmbeddingWire.encode(EmbeddingWire.BatchRequest(imageURLs: items.map(\.url))),
            case .success(let response) = transport.send(
                .init(
                    method: "POST", url: baseURL + "/embed/batch", headers: ["Content-Type": "application/json"],
                    body: body)), response.status == 200,
            let answer = EmbeddingWire.decode(EmbeddingWire.BatchAnswer.self, from: response.body)
        {
            if let list = answer.results {
                var byURL: [String: EmbeddingWire.ServiceEntry] = [:]
                for entry in list { if let entry = entry.value, let url = entry.imageURL { byURL[url] = entry } }
                for (index, item) in items.enumerated() {
                    if let entry = byURL[item.url] { results[index] = vector(from: entry) }
                }
            } else if let list = answer.embeddings, list.count == items.count {
                for (index, entry) in list.enumerated() { results[index] = vector(fromValues: entry.value) }
            }
        }
        // Whatever the batch did not answer goes one by one (the single endpoint follows redirects).
        for (index, item) in items.enumerated() {
            if case .failure = results[index] { results[index] = embedOne(item) }
        }
        return results
    }

    func embedOne(_ item: ProviderItem) -> Result<[Float], ProviderFailure> {
        guard let body = EmbeddingWire.encode(EmbeddingWire.ImageRequest(imageURL: item.url, productID: item.productID))
        else { return .failure(ProviderFailure("cannot encode the request")) }
        switch transport.send(
            .init(
                method: "POST", url: baseURL + "/embed/image", headers: ["Content-Type": "application/json"],
                body: body))
        {
        case .failure(let failure): return .failure(ProviderFailure("/embed/image: \(failure)"))
        case .success(let response):
            guard response.status == 200 else {
                return .failure(ProviderFailure("/embed/image: HTTP \(response.status)"))
            }
            guard let entry = EmbeddingWire.decode(EmbeddingWire.ServiceEntry.self, from: response.body) else {
                return .failure(ProviderFailure("/embed/image: not JSON"))
            }
            return vector(from: entry)
        }
    }

    func vector(from entry: EmbeddingWire.ServiceEntry) -> Result<[Float], ProviderFailure> {
        if let success = entry.success, !success {
            return .failure(ProviderFailure("service: \(entry.error ?? "success false")"))
        }
        return vector(fromValues: entry.embedding?.value)
    }

    func vector(fromValues numbers: [Double]?) -> Result<[Float], ProviderFailure> {
        guard let numbers else { return .failure(ProviderFailure("no embedding in the answer")) }
        guard numbers.count == dimensions else {
            return .failure(ProviderFailure("embedding has \(numbers.count) values, expected \(dimensions)"))
        }
        guard let unit = numbers.map(Float.init).l2Normalized() else {
            return .failure(ProviderFailure("zero or non-finite embedding"))
        }
        return .success(unit)
    }
}
