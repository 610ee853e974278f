import BackstopModel
import Logging

extension IndexStage {
    /// A candidate pair the verifier kept, with its measurements.
    struct VerifiedPair: Sendable {
        var pair: DuplicatePair
        var verdict: DuplicateVerifier.Verdict
    }

    /// What the verification of a similarity pass's candidate pairs gives.
    struct Verification: Sendable {
        /// The pairs judged to be the same picture, in candidate order.
        var verified: [VerifiedPair] = []
        /// Candidates judged different pictures.
        var rejected = 0
        /// Candidates left undecided because one picture could not be fetched or decoded again.
        var undecided = 0
        /// A small JPEG of each picture of a verified pair, by product id (for the HTML report).
        var thumbnails: [Int64: [UInt8]] = [:]
    }

    /// The longer side of the report's thumbnails.
    static let thumbnailSide = 112

    /// Fetches and fingerprints the pictures of every candidate pair again and lets ``DuplicateVerifier``
    /// decide each pair.
    ///
    /// The pictures are read again rather than kept from the image pass, so the decision depends only on
    /// the candidate pairs and the image bytes: an incremental pass (whose candidates equal the self-join's)
    /// verifies to the same pairs as a full one. Candidates are few (dozens per thousand products), so
    /// this costs a few dozen DCT-scaled decodes.
    ///
    /// - Parameters:
    ///   - pairs: The candidate pairs (cosine at or above the candidate threshold), ascending.
    ///   - urls: Each product's image URL.
    ///   - fetcher: Where the bytes come from.
    ///   - workers: Threads.
    /// - Returns: The verified pairs, the counts and the thumbnails.
    func verify(pairs: [DuplicatePair], urls: [Int64: String], fetcher: ImageFetcher, workers: Int) -> Verification {
        let ids = Array(Set(pairs.flatMap { [$0.first, $0.second] })).sorted()
        let slots = ResultSlots<(fingerprint: ImageFingerprint, thumbnail: [UInt8])>(count: ids.count)
        let side = ImageFingerprint.decodeSize
        WorkLoop.forEach(ids.count, concurrency: workers) { index in
            let id = ids[index]
            guard case .success(let image) = fetcher.fetch(urls[id] ?? ""),
                let size = try? ImageDecoder.size(of: image.bytes, productID: id),
                let decoded = try? ImageDecoder.decode(image.bytes, minWidth: side, minHeight: side, productID: id)
            else { return }
            let fingerprint = ImageFingerprint(decoded, width: size.width, height: size.height)
            let thumbnail = (try? ImageEncoder.jpeg(decoded.resized(maxSide: Self.thumbnailSide), quality: 80)) ?? []
            slots.set(index, (fingerprint, thumbnail))
        }
        let values = slots.values
        var found: [Int64: (fingerprint: ImageFingerprint, thumbnail: [UInt8])] = [:]
        for (index, id) in ids.enumerated() { if let value = values[index] { found[id] = value } }
        let byID = found
        let parameters = options.verifier
        let verdicts = ResultSlots<DuplicateVerifier.Verdict>(count: pairs.count)
        WorkLoop.forEach(pairs.count, concurrency: workers) { index in
            guard let first = byID[pairs[index].first], let second = byID[pairs[index].second] else { return }
            verdicts.set(
                index, DuplicateVerifier.verify(first.fingerprint, second.fingerprint, parameters: parameters))
        }
        var result = Verification()
        for (pair, verdict) in zip(pairs, verdicts.values) {
            guard let verdict else {
                result.undecided += 1
                logger.warning(
                    "near-duplicate candidate left undecided: an image could not be read again",
                    metadata: ["pair": "\(pair.first)|\(pair.second)"])
                continue
            }
            guard verdict.isDuplicate else {
                result.rejected += 1
                continue
            }
            result.verified.append(VerifiedPair(pair: pair, verdict: verdict))
            for id in [pair.first, pair.second] where result.thumbnails[id] == nil {
                result.thumbnails[id] = byID[id]?.thumbnail
            }
        }
        return result
    }
}
