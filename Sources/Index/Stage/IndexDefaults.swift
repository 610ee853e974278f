/// The index stage's shipped constants.
public enum IndexDefaults {
    /// Two products' images at or above this cosine (local model) are near-duplicate *candidates*; each
    /// candidate is then decided from the pixels by ``DuplicateVerifier`` (`image.duplicate` only when it
    /// passes). Recall first: on the `s` world copies recompressed at quality 60–95, resized 0.5–1.5× or
    /// cropped 2–5 % per side scored at least 0.68 against their source (LocalModelQualityTests), and on
    /// the packaged-photograph evaluation set (scripts/bench/55-neardup.sh) every planted copy but the
    /// grayscale ones, including 10 % crops on four edges, scored at least 0.5; distinct bouquets stay
    /// below it, so the verifier sees few candidates.
    public static let duplicateThreshold: Float = 0.5
    /// Similar products kept per product in `backstop.similar_product`.
    public static let similarCount = 10
    /// Two vectors of the same product from the same provider that differ by more than this cosine
    /// distance are `embedding.stale` (field `vector`).
    public static let vectorTolerance: Float = 0.01
    /// The production model's label (`product_embeddings.model_version`).
    public static let productionModel = "vertex-multimodal-001"
}
