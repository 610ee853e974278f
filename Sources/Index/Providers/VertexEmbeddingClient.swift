import Foundation

/// Client of a Vertex-style `multimodalembedding@001` `:predict` endpoint (upstream.md §3.1): one request
/// per image, `{"instances": [{"image": {"bytesBase64Encoded": …}}], "parameters": {"dimension": 512}}`,
/// answered by `{"predictions": [{"imageEmbedding": [...]}]}`, which is L2-normalised as upstream does.
/// The raw downloaded bytes are sent as they are (no resize, as upstream).
public struct VertexEmbeddingClient: EmbeddingProvider {
    /// The full `…/models/multimodalembedding@001:predict` URL.
    public var endpoint: String
    /// `Authorization: Bearer …` (an OAuth access token), if any.
    public var accessToken: String?
    /// The label written to `model_version`.
    public var modelVersion: String
    /// The requested and expected vector length (`parameters.dimension`; 128, 256, 512 or 1408 for
    /// Vertex, 512 upstream).
    public var dimensions: Int
    /// Requests in flight; Vertex's per-project quota is the limit to respect.
    public var concurrency: Int
    /// The HTTP client (timeouts, retries, size cap).
    let transport: HTTPTransport

    /// A client of the endpoint; timeouts and retries (429 and 5xx included) come from `transport`.
    /// - Parameters:
    ///   - endpoint: The full `:predict` URL.
    ///   - accessToken: An OAuth access token for `Authorization: Bearer`, if the endpoint needs one.
    ///   - modelVersion: The label written to `product_embeddings.model_version`.
    ///   - dimensions: The vector length to request and expect.
    ///   - concurrency: Requests in flight.
    ///   - transport: The HTTP client.
    public init(
        endpoint: String, accessToken: String? = nil, modelVersion: String = IndexDefaults.productionModel,
        dimensions: Int = 512, concurrency: Int = 3, transport: HTTPTransport = HTTPTransport()
    ) {
        self.endpoint = endpoint
        self.accessToken = accessToken
        self.modelVersion = modelVersion
        self.dimensions = dimensions
        self.concurrency = concurrency
        self.transport = transport
    }

    /// Embeds each item with its own request, `concurrency` at a time, sending the downloaded bytes.
    /// - Parameter items: The products with their image bytes.
    /// - Returns: One result per item, in order: a unit vector or why there is none.
    public func embed(_ items: [ProviderItem]) -> [Result<[Float], ProviderFailure>] {
        inBatches(items.count, batchSize: 1, concurrency: concurrency) { range in
            range.map { embedOne(items[$0]) }
        }
    }

    func embedOne(_ item: ProviderItem) -> Result<[Float], ProviderFailure> {
        let request = EmbeddingWire.VertexRequest(
            instances: [.init(image: .init(bytesBase64Encoded: Data(item.bytes).base64EncodedString()))],
            parameters: .init(dimension: dimensions))
        guard let body = EmbeddingWire.encode(request) else {
            return .failure(ProviderFailure("cannot encode the request"))
        }
        var headers = ["Content-Type": "application/json; charset=utf-8"]
        if let accessToken { headers["Authorization"] = "Bearer \(accessToken)" }
        switch transport.send(.init(method: "POST", url: endpoint, headers: headers, body: body)) {
        case .failure(let failure): return .failure(ProviderFailure("vertex: \(failure)"))
        case .success(let response):
            guard response.status == 200 else { return .failure(ProviderFailure("vertex: HTTP \(response.status)")) }
            guard let answer = EmbeddingWire.decode(EmbeddingWire.VertexAnswer.self, from: response.body),
                let numbers = answer.predictions.first?.imageEmbedding?.value
            else { return .failure(ProviderFailure("vertex: no predictions[0].imageEmbedding")) }
            let floats = numbers.map(Float.init)
            guard floats.count == dimensions else {
                return .failure(
                    ProviderFailure("vertex: embedding has \(numbers.count) values, expected \(dimensions)"))
            }
            guard let unit = floats.l2Normalized() else { return .failure(ProviderFailure("vertex: zero embedding")) }
            return .success(unit)
        }
    }
}
