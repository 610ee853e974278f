import Foundation

/// The JSON bodies the embedding providers send and read, as Codable values: written with sorted keys (the
/// same bytes for the same request, whatever the dictionary order), read leniently where an answer's shape
/// varies (one malformed entry fails that entry, never the whole batch).
enum EmbeddingWire {
    /// Encodes a request body: compact, sorted keys, `/` unescaped.
    static func encode(_ value: some Encodable) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { [UInt8]($0) }
    }

    /// Decodes an answer, `nil` when it is not JSON of that shape.
    static func decode<T: Decodable>(_: T.Type, from bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(bytes))
    }

    /// `POST /embed/batch` of upstream's embedding-service.
    struct BatchRequest: Encodable {
        var imageURLs: [String]
        enum CodingKeys: String, CodingKey { case imageURLs = "image_urls" }
    }

    /// `POST /embed/image` of upstream's embedding-service.
    struct ImageRequest: Encodable {
        var imageURL: String
        var productID: Int64
        enum CodingKeys: String, CodingKey {
            case imageURL = "image_url"
            case productID = "product_id"
        }
    }

    /// The batch answer: `{"results": [entry, …]}` matched by URL, or `{"embeddings": [[…], …]}` matched by
    /// position.
    struct BatchAnswer: Decodable {
        var results: [Lenient<ServiceEntry>]?
        var embeddings: [Lenient<[Double]>]?
    }

    /// One answer of the service: `{"image_url", "success", "embedding", "error"}` (every field optional).
    struct ServiceEntry: Decodable {
        var imageURL: String?
        var success: Bool?
        var embedding: Lenient<[Double]>?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case imageURL = "image_url"
            case success, embedding, error
        }
    }

    /// Vertex AI's `multimodalembedding` request: one instance with the image's bytes.
    struct VertexRequest: Encodable {
        struct Instance: Encodable { var image: Image }
        struct Image: Encodable { var bytesBase64Encoded: String }
        struct Parameters: Encodable { var dimension: Int }
        var instances: [Instance]
        var parameters: Parameters
    }

    /// Vertex AI's answer: `predictions[0].imageEmbedding`.
    struct VertexAnswer: Decodable {
        struct Prediction: Decodable { var imageEmbedding: Lenient<[Double]>? }
        var predictions: [Prediction]
    }

    /// A value that decodes to `nil` instead of failing its container when it has another shape.
    struct Lenient<Value: Decodable>: Decodable {
        var value: Value?
        init(from decoder: any Decoder) throws {
            value = try? decoder.singleValueContainer().decode(Value.self)
        }
    }
}
