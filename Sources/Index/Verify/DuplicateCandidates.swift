/// The colour-blind source of near-duplicate candidates, beside the cosine of the local vectors.
///
/// The local vectors come from a colour/edge descriptor: a grayscale copy of a picture lands far from it
/// (cosine 0.2–0.6 on real photographs), below any useful candidate threshold. Every decoded picture also
/// has a 64-bit perceptual hash of its luma (``ImageFingerprint/lumaHash(_:)``), which a grayscale copy keeps;
/// every pair of products whose hashes differ in at most ``maxLumaHashDistance`` bits is a candidate too, and
/// goes through the same ``DuplicateVerifier``. The search compares all pairs of hashes (one XOR and one
/// popcount each: 50 million pairs for 10 000 pictures, a few tens of milliseconds), so an incremental run
/// and a full run get the same candidates from the same hashes.
public enum DuplicateCandidates {
    /// The largest Hamming distance of two luma hashes that makes a candidate. Grayscale copies, re-encodes
    /// and rescales of the evaluation set lie at 0–8 bits, two unrelated pictures at about 32.
    public static let maxLumaHashDistance = 12

    /// Every pair of products whose luma hashes are within `maxDistance` bits, smaller id first, in
    /// ascending (first, second) order.
    ///
    /// - Parameters:
    ///   - hashes: Each product's luma hash.
    ///   - maxDistance: The largest Hamming distance that makes a pair.
    /// - Returns: The close pairs with their distance.
    /// - Complexity: O(n²) XOR and popcount for n products.
    public static func lumaPairs(
        _ hashes: [Int64: UInt64], maxDistance: Int = maxLumaHashDistance
    ) -> [(first: Int64, second: Int64, distance: Int)] {
        let sorted = hashes.sorted { $0.key < $1.key }
        let ids = sorted.map(\.key)
        let values = sorted.map(\.value)
        var out: [(first: Int64, second: Int64, distance: Int)] = []
        let count = values.count
        unsafe values.withUnsafeBufferPointer { values in
            for i in 0..<count {
                let a = unsafe values[i]
                var j = i + 1
                while j < count {
                    let distance = unsafe (a ^ values[j]).nonzeroBitCount
                    if distance <= maxDistance { out.append((ids[i], ids[j], distance)) }
                    j += 1
                }
            }
        }
        return out
    }
}
