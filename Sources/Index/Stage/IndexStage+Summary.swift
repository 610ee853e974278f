import BackstopModel

extension IndexStage {
    /// The run report's one line about the stage: products, images, the model, similarity, findings by kind and
    /// the `product_embeddings` writes.
    ///
    /// It is the line an operator reads in the stage table, so it says what was skipped and why (no mirror
    /// and network off), how much work the incremental path saved (searched of products, lists written) and
    /// how many production writes were skipped because a webhook changed the row since it was read.
    /// - Parameters:
    ///   - outcome: The stage's counts and findings.
    ///   - targetCount: Enabled products with an image.
    /// - Returns: One line, no trailing period.
    func summary(of outcome: Outcome, targets targetCount: Int) -> String {
        var counts: [String: Int] = [:]
        for discrepancy in outcome.discrepancies { counts[discrepancy.kind.rawValue, default: 0] += 1 }
        var summary = "\(targetCount) enabled products with an image; "
        if options.fetcher == nil {
            summary += "images not checked (no mirror and network off); "
        } else {
            summary +=
                "\(outcome.imagesFetched) images fetched, \(outcome.imagesDecoded) decoded, "
                + (outcome.descriptorsReused > 0 ? "\(outcome.descriptorsReused) descriptors reused, " : "")
                + "\(outcome.reembedded.count) embedded with \(outcome.modelVersion ?? "no model"); "
            if let pass = outcome.similarity {
                summary +=
                    pass.incremental
                    ? "similarity incremental: \(pass.changed) changed, \(pass.searched) of \(pass.products) searched, \(pass.listsWritten) lists written; "
                    : "similarity self-join of \(pass.products); "
                if outcome.verifier != nil {
                    summary +=
                        "\(outcome.candidatePairs) near-duplicate candidates (\(outcome.lumaCandidatePairs) by luma "
                        + "hash ≤ \(DuplicateCandidates.maxLumaHashDistance) bits), \(outcome.rejectedPairs) rejected by "
                        + "\(options.verifier.version); "
                }
            }
        }
        summary += counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        if let production = outcome.production {
            summary +=
                "; product_embeddings: \(production.updated) updated, \(production.inserted) inserted, \(production.deleted) deleted"
            if production.skipped > 0 {
                summary += ", \(production.skipped) skipped (changed since read)"
            }
        }
        return summary
    }
}
