import BackstopModel

/// An image to embed remotely: the product, the URL (what upstream's services download) and the bytes
/// (what Vertex is sent).
public struct ProviderItem: Sendable, Hashable {
    /// The product.
    public var productID: Int64
    /// The image URL.
    public var url: String
    /// The image bytes as fetched.
    public var bytes: [UInt8]

    /// An image to embed.
    /// - Parameters:
    ///   - productID: The product.
    ///   - url: The image URL (the embedding service downloads it itself).
    ///   - bytes: The bytes as fetched (Vertex is sent them).
    public init(productID: Int64, url: String, bytes: [UInt8]) {
        self.productID = productID
        self.url = url
        self.bytes = bytes
    }
}

/// A remote embedding service: the production model whose vectors go into `product_embeddings`.
/// Implementations block; call them from worker threads.
public protocol EmbeddingProvider: Sendable {
    /// The label stored in `product_embeddings.model_version` (`vertex-multimodal-001`).
    var modelVersion: String { get }
    /// The vectors' dimensions (512).
    var dimensions: Int { get }
    /// One unit vector (or failure) per item, in order. A failure is per item: one bad image never loses
    /// the others' vectors.
    /// - Parameter items: The images to embed.
    /// - Returns: One result per item, in the items' order.
    func embed(_ items: [ProviderItem]) -> [Result<[Float], ProviderFailure>]
}

/// Why a provider returned no vector for an item.
public struct ProviderFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// A failure with its reason.
    /// - Parameter message: What went wrong, for the log (never the image's bytes).
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

extension Array where Element == Float {
    /// The vector scaled to unit length, as upstream stores Vertex's answers; `nil` for a zero vector or
    /// non-finite values.
    func l2Normalized() -> [Float]? {
        var sum: Float = 0
        for value in self {
            guard value.isFinite else { return nil }
            sum += value * value
        }
        guard sum > 0 else { return nil }
        let scale = 1 / sum.squareRoot()
        return map { $0 * scale }
    }
}

/// Runs `body` over `items` in batches of `batchSize`, `concurrency` batches at a time, keeping order.
func inBatches<T: Sendable>(
    _ count: Int, batchSize: Int, concurrency: Int, _ body: @Sendable (Range<Int>) -> [T]
) -> [T] {
    let batches = stride(from: 0, to: count, by: max(1, batchSize)).map { $0..<min(count, $0 + max(1, batchSize)) }
    let results = ResultSlots<[T]>(count: batches.count)
    WorkLoop.forEach(batches.count, concurrency: concurrency) { index in
        results.set(index, body(batches[index]))
    }
    return results.values.flatMap { $0 ?? [] }
}
