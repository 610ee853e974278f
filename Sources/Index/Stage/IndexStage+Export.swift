import BackstopExtract
import BackstopModel
import Foundation

extension IndexStage {
    /// The Cloudflare export: every target's production vector (this run's, or a sound stored one) and the
    /// orphans to delete, written to `directory`.
    ///
    /// A stored vector is sound when its product has no `missing`, stale-source, stale-model or malformed
    /// finding; a product with neither a fresh nor a sound vector is left out of the upsert rather than
    /// exported wrong. Labels (colours, occasions, tags) come from the input, read only when exporting.
    /// - Parameters:
    ///   - directory: The export folder (`--export DIR`).
    ///   - targets: The enabled products of the shop.
    ///   - input: The stage's input (labels).
    ///   - findings: This run's findings, to tell sound stored vectors from broken ones.
    ///   - audit: The production audit (rows and orphans).
    ///   - newProduction: Vectors the provider computed and the writer wrote this run.
    /// - Throws: ``IndexError`` with code `io` when a file cannot be written.
    func export(
        to directory: URL, targets: [CanonicalProduct], input: Input, findings: [IndexFinding],
        audit: ProductionAudit, newProduction: [Int64: [Float]]
    ) throws {
        var records: [CloudflareExport.Record] = []
        let broken = Set(
            findings.compactMap { finding -> Int64? in
                switch finding {
                case .missing(let id, _), .staleSource(let id, _, _), .staleModel(let id, _, _),
                    .malformedVector(let id, _, _):
                    return id
                default: return nil
                }
            })
        for product in targets {
            if let vector = newProduction[product.id] {
                records.append(.init(product: product, vector: vector, labels: input.labels[product.id] ?? .init()))
            } else if !broken.contains(product.id),
                let row = audit.rowsByProduct[product.id]?.min(by: { $0.id < $1.id })
            {
                records.append(
                    .init(product: product, vector: row.vector, labels: input.labels[product.id] ?? .init()))
            }
        }
        try CloudflareExport.write(records: records, deleteIDs: Array(audit.orphanProducts), to: directory)
    }
}
