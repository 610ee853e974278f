/// The index stage's shipped constants.
public enum IndexDefaults {
    /// Two products' images at or above this cosine (local model) are near-duplicates (`image.duplicate`).
    /// Chosen on the `s` world (LocalModelQualityTests): copies recompressed at quality 60–95, resized
    /// 0.5–1.5× or cropped 2–5 % per side scored at least 0.68 against their source, the closest pair of
    /// distinct bouquets at most 0.50 (3 000 bouquets); 0.6 sits in the middle of that gap.
    public static let duplicateThreshold: Float = 0.6
    /// Similar products kept per product in `backstop.similar_product`.
    public static let similarCount = 10
    /// Two vectors of the same product from the same provider that differ by more than this cosine
    /// distance are `embedding.stale` (field `vector`).
    public static let vectorTolerance: Float = 0.01
    /// The production model's label (`product_embeddings.model_version`).
    public static let productionModel = "vertex-multimodal-001"
}
