/// A histogram of similarity scores (the index stage's near-duplicate pass), for the report's chart.
///
/// It shows where the candidate threshold sits in the distribution: a threshold inside the bulk of the
/// scores makes many candidates for the verifier; one far above it may miss copies. It also carries the
/// verifier's version and counts, so a report says how its `image.duplicate` pairs were decided.
public struct SimilarityHistogram: Sendable, Hashable, Codable {
    /// One bin: scores in `lower..<upper` (the last bin includes `upper`).
    public struct Bin: Sendable, Hashable, Codable {
        /// The inclusive lower bound (a cosine score, -1…1).
        public var lower: Double
        /// The exclusive upper bound, inclusive for the last bin.
        public var upper: Double
        /// Scores in the bin (each product's best score counts once).
        public var count: Int

        /// Records one bin.
        /// - Parameters:
        ///   - lower: The inclusive lower bound.
        ///   - upper: The exclusive upper bound (inclusive for the last bin).
        ///   - count: Scores in the bin.
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

    /// Records a histogram; the job that ran the index stage sets the verifier's fields and thumbnails after.
    /// - Parameters:
    ///   - label: What was scored, for the chart's title.
    ///   - bins: The bins in ascending order.
    ///   - threshold: The candidate threshold, drawn as a line on the chart.
    public init(label: String, bins: [Bin], threshold: Double? = nil) {
        self.label = label
        self.bins = bins
        self.threshold = threshold
    }
}
