import Foundation
public import BackstopModel

/// The index stage's findings and their one cause table: each finding renders as a `Discrepancy` with a
/// stable cause code, the probable upstream cause (upstream.md §3), the planned action and a severity.
///
/// A finding is the typed value the stage produces; the `Discrepancy` is its rendering for the ledger
/// and the reports (kinds `embedding.missing`, `embedding.stale`, `embedding.orphan`, `image.unreachable`,
/// `image.duplicate`). Keys are product ids; a duplicate pair's key is `first|second`, lower id first.
public enum IndexFinding: Sendable, Hashable {
    /// An enabled product with an image has no `image` row in `product_embeddings`: visual search cannot
    /// find it. `image` is the product's image URL.
    case missing(productID: Int64, image: String)
    /// The production vector was computed from another URL than the product's current image; `stored` is
    /// the row's `source_url` (`nil` when the row has none).
    case staleSource(productID: Int64, image: String, stored: String?)
    /// The production vector is from another model than the production one (`expected` is the configured
    /// production model, `stored` the row's `model_version`).
    case staleModel(productID: Int64, expected: String, stored: String)
    /// The production vector differs from what the same provider now returns by more than
    /// ``IndexDefaults/vectorTolerance`` (`distance` is 1 − cosine): the bytes behind the URL changed.
    case staleVector(productID: Int64, distance: Float)
    /// The production vector is not a unit vector of the expected size (`dimensions` values, L2 `norm`).
    case malformedVector(productID: Int64, dimensions: Int, norm: Float)
    /// Several rows for one (product, type): `product_embeddings` has no unique key on them, and the
    /// webhook inserts without `ON CONFLICT`. `rows` is how many.
    case duplicateRows(productID: Int64, type: String, rows: Int)
    /// A vector of a disabled product of the shop: visual search still returns a product that cannot be
    /// bought (the real-time path never removes soft-deleted products from the index).
    case orphanDisabled(productID: Int64)
    /// A vector whose product the catalog does not have at all.
    case orphanAbsent(productID: Int64)
    /// The product's image could not be fetched or decoded; `field` is `image` (the main image) or `images`
    /// (a gallery image), `url` the one that failed.
    case unreachable(productID: Int64, field: String, url: String, failure: ImageFailure)
    /// Two products' images are near-duplicates: a candidate by local model cosine, confirmed from the
    /// pixels by ``DuplicateVerifier`` (version `verifier`).
    case duplicateImage(
        first: Int64, second: Int64, score: Float, firstURL: String, secondURL: String,
        verdict: DuplicateVerifier.Verdict, verifier: String)

    /// The finding as a discrepancy: kind, key, the two sides' values, the rule (`parser`) that found it,
    /// the cause code and its text, the planned action (`embed`, `delete`, `delete_duplicates`, `report`) and
    /// the severity.
    public var discrepancy: Discrepancy {
        switch self {
        case .missing(let id, let image):
            Discrepancy(
                kind: .embeddingMissing, key: String(id), bitrixValue: image, parser: "embedding.coverage",
                cause: "not_embedded",
                probableCause: "embedding never computed (webhook background task failed or reindex never ran)",
                action: "embed", severity: .error)
        case .staleSource(let id, let image, let stored):
            Discrepancy(
                kind: .embeddingStale, key: String(id), field: "source_url", bitrixValue: image, catalogValue: stored,
                parser: "embedding.source_url", cause: "image_changed",
                probableCause: "image re-uploaded or resize cache regenerated without a re-embed", action: "embed",
                severity: .error)
        case .staleModel(let id, let expected, let stored):
            Discrepancy(
                kind: .embeddingStale, key: String(id), field: "model_version", bitrixValue: expected,
                catalogValue: stored, parser: "embedding.model_version", cause: "old_model",
                probableCause: "vector from another model (e.g. the CLIP index before the switch to Vertex)",
                action: "embed", severity: .error)
        case .staleVector(let id, let distance):
            Discrepancy(
                kind: .embeddingStale, key: String(id), field: "vector", catalogValue: "cosine distance \(distance)",
                parser: "embedding.vector", cause: "image_bytes_changed",
                probableCause: "image bytes changed behind the same URL", action: "embed", severity: .warning)
        case .malformedVector(let id, let dimensions, let norm):
            Discrepancy(
                kind: .embeddingStale, key: String(id), field: "vector",
                catalogValue: "\(dimensions) values, norm \(norm)",
                parser: "embedding.shape", cause: "malformed_vector",
                probableCause: "vector not L2-normalised or of the wrong size", action: "embed", severity: .error)
        case .duplicateRows(let id, let type, let rows):
            Discrepancy(
                kind: .embeddingStale, key: String(id), field: "rows", catalogValue: "\(rows) rows of type \(type)",
                parser: "embedding.unique", cause: "duplicate_rows",
                probableCause: "two background tasks raced without a unique constraint; scalar_one_or_none now fails",
                action: "delete_duplicates", severity: .error)
        case .orphanDisabled(let id):
            Discrepancy(
                kind: .embeddingOrphan, key: String(id), catalogValue: "enabled=false", parser: "embedding.scope",
                cause: "disabled_product", probableCause: "product disabled; vectors are never deleted upstream",
                action: "delete", severity: .warning)
        case .orphanAbsent(let id):
            Discrepancy(
                kind: .embeddingOrphan, key: String(id), catalogValue: "no product row", parser: "embedding.scope",
                cause: "absent_product", probableCause: "product deleted; product_embeddings has no foreign key",
                action: "delete", severity: .warning)
        case .unreachable(let id, let field, let url, let failure):
            Discrepancy(
                kind: .imageUnreachable, key: String(id), field: field, bitrixValue: url,
                catalogValue: failure.description, parser: "image.fetch", cause: failure.code,
                probableCause: "image URL dead or file broken; visual search cannot embed it", action: "report",
                severity: .error)
        case .duplicateImage(let first, let second, let score, let firstURL, let secondURL, let verdict, let verifier):
            Discrepancy(
                kind: .imageDuplicate, key: "\(first)|\(second)", bitrixValue: firstURL, catalogValue: secondURL,
                catalogNormalized: Self.describe(score: score, verdict: verdict, verifier: verifier),
                parser: "image.verify", cause: "near_duplicate",
                probableCause: "the same picture (re-encoded, resized or cropped) on two products, or a placeholder",
                action: "report", severity: .warning, measures: Self.measures(score: score, verdict: verdict))
        }
    }

    /// Rounds to 4 decimals, so reports do not carry float noise.
    static func rounded(_ value: Float) -> Double { (Double(value) * 10_000).rounded() / 10_000 }

    /// The measurements of a verified pair, for `measures` in report.json and discrepancies.ndjson.
    static func measures(score: Float, verdict: DuplicateVerifier.Verdict) -> [String: Double] {
        let first = verdict.placement.firstCrop
        let second = verdict.placement.secondCrop
        var out: [String: Double] = [
            "cosine": rounded(score), "phash_distance": Double(verdict.hashDistance),
            "aligned_phash_distance": Double(verdict.alignedHashDistance), "ncc": rounded(verdict.correlation),
            "cell_error": rounded(verdict.cellError), "overlap": rounded(verdict.overlap),
            "scale_x": rounded(verdict.scaleX), "scale_y": rounded(verdict.scaleY),
        ]
        for (index, edge) in ["left", "top", "right", "bottom"].enumerated() {
            out["first_crop_\(edge)"] = rounded(first[index])
            out["second_crop_\(edge)"] = rounded(second[index])
        }
        if let colour = verdict.colourDifference { out["colour_difference"] = rounded(colour) }
        if let turn = verdict.hueTurn { out["hue_turn"] = rounded(turn) }
        return out
    }

    /// One line for people: the scores, the transform and the verifier version.
    static func describe(score: Float, verdict: DuplicateVerifier.Verdict, verifier: String) -> String {
        func percent(_ values: [Float]) -> String {
            values.map { String(Int(($0 * 100).rounded())) }.joined(separator: "/")
        }
        func fixed(_ value: Float) -> String { String(format: "%.3f", Double(value)) }
        var text =
            "cosine \(fixed(score)), phash \(verdict.hashDistance)/64 (aligned \(verdict.alignedHashDistance)), "
            + "ncc \(fixed(verdict.correlation)), scale \(fixed(verdict.scaleX))×\(fixed(verdict.scaleY))"
        let first = verdict.placement.firstCrop
        let second = verdict.placement.secondCrop
        if first.contains(where: { $0 >= 0.005 }) { text += ", first cropped \(percent(first)) % (l/t/r/b)" }
        if second.contains(where: { $0 >= 0.005 }) { text += ", second cropped \(percent(second)) % (l/t/r/b)" }
        return text + "; \(verifier)"
    }
}
