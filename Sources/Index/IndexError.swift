/// An error from the index stage (images, embeddings, similarity), naming the product and URL.
public struct IndexError: Error, CustomStringConvertible, Sendable {
    /// Whether the stage failed or was stopped on request.
    public enum Kind: Sendable, Hashable {
        /// Something went wrong.
        case failed
        /// The stage was stopped between batches (time limit, or a test's limit); what it did is saved and the
        /// next run resumes.
        case stopped
    }

    /// Failed or stopped.
    public var kind: Kind
    /// What went wrong.
    public var message: String
    /// The product id, when known.
    public var productID: Int64?
    /// The image URL or path, when known.
    public var url: String?

    /// Creates an error.
    public init(_ message: String, productID: Int64? = nil, url: String? = nil, kind: Kind = .failed) {
        self.kind = kind
        self.message = message
        self.productID = productID
        self.url = url
    }

    /// `product N (url): message`.
    public var description: String {
        var prefix = productID.map { "product \($0)" } ?? ""
        if let url { prefix += prefix.isEmpty ? url : " (\(url))" }
        return prefix.isEmpty ? message : prefix + ": " + message
    }
}
