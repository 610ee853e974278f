/// A histogram of similarity scores (the index stage's near-duplicate pass), for the report's chart.
public struct SimilarityHistogram: Sendable, Hashable, Codable {
    /// One bin: scores in `lower..<upper` (the last bin includes `upper`).
    public struct Bin: Sendable, Hashable, Codable {
        /// Lower bound.
        public var lower: Double
        /// Upper bound.
        public var upper: Double
        /// Pairs in the bin.
        public var count: Int

        /// Creates a bin.
        public init(lower: Double, upper: Double, count: Int) {
            self.lower = lower
            self.upper = upper
            self.count = count
        }
    }

    /// What was scored (`top-10 cosine similarity of product image embeddings`).
    public var label: String
    /// The bins in ascending order.
    public var bins: [Bin]
    /// The near-duplicate threshold, when one applies.
    public var threshold: Double?
    /// The near-duplicate verifier's version and values (`backstop-verify-1: ncc ≥ …`), when it ran.
    public var verifier: String?
    /// Candidate pairs at or above the threshold.
    public var candidatePairs: Int?
    /// Candidate pairs the verifier judged different pictures.
    public var rejectedPairs: Int?
    /// A small JPEG of each picture of a reported `image.duplicate` pair, by product id, for the HTML
    /// report's side-by-side view (not written to report.json).
    public var thumbnails: [String: [UInt8]] = [:]

    /// Creates a histogram.
    public init(label: String, bins: [Bin], threshold: Double? = nil) {
        self.label = label
        self.bins = bins
        self.threshold = threshold
    }
}
