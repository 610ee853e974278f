/// The colour-blind source of near-duplicate candidates, beside the cosine of the local vectors.
///
/// The local vectors come from a colour/edge descriptor: a grayscale copy of a picture lands far from it
/// (cosine 0.2–0.6 on real photographs), below any useful candidate threshold. Every decoded picture also
/// has a 64-bit perceptual hash of its luma (``ImageFingerprint/lumaHash(_:)``), which a grayscale copy keeps;
/// every pair of products, one of them grayscale, whose hashes differ in at most ``maxLumaHashDistance`` bits is a candidate too, and
/// goes through the same ``DuplicateVerifier``. The search compares all pairs of hashes (one XOR and one
/// popcount each: 50 million pairs for 10 000 pictures, a few tens of milliseconds), so an incremental run
/// and a full run get the same candidates from the same hashes.
public enum DuplicateCandidates {
    /// The largest Hamming distance of two luma hashes that makes a candidate. Grayscale copies, re-encodes
    /// and rescales of the evaluation set lie at 0–8 bits, two unrelated pictures at about 32.
    public static let maxLumaHashDistance = 12
    /// Below this mean chroma magnitude (at 32×32) a picture is a grayscale *probe* of the luma source.
    ///
    /// A grayscale copy has no chroma at all: a picture converted to gray keeps Cb = Cr = 128 through JPEG, so
    /// its decode measures 0.000 (every grayscale copy of the evaluation set, and gray JPEGs of q50–95 of the
    /// packaged photographs). Colour pictures of pale subjects sit far above: the most colourless of the s
    /// world's 24 857 bouquets measures 0.0106, and 44 of them were under the verifier's 0.02, which made
    /// ~118 luma candidates of unrelated pale bouquets (each a fetch, a decode and a verification). Hence
    /// half the palest bouquet; the verifier keeps its own, wider threshold
    /// (``DuplicateVerifier/Parameters/grayscaleColourfulness``) for skipping its colour check. Part of
    /// the near-duplicate method's version (``DuplicateVerifier/Parameters/version``).
    public static let grayscaleColourfulness: Float = 0.005

    /// Every pair of products with at least one in `grayscale` whose luma hashes are within `maxDistance`
    /// bits, smaller id first, in ascending (first, second) order (all pairs when `grayscale` is nil).
    ///
    /// - Parameters:
    ///   - hashes: Each product's luma hash.
    ///   - grayscale: The products whose picture is grayscale; nil compares every pair.
    ///   - maxDistance: The largest Hamming distance that makes a pair.
    /// - Returns: The close pairs with their distance.
    /// - Complexity: O(n²) XOR and popcount for n products.
    public static func lumaPairs(
        _ hashes: [Int64: UInt64], grayscale: Set<Int64>? = nil, maxDistance: Int = maxLumaHashDistance
    ) -> [(first: Int64, second: Int64, distance: Int)] {
        let sorted = hashes.sorted { $0.key < $1.key }
        let ids = sorted.map(\.key)
        let values = sorted.map(\.value)
        var out: [(first: Int64, second: Int64, distance: Int)] = []
        let count = values.count
        let probes = grayscale.map { gray in (0..<count).filter { gray.contains(ids[$0]) } } ?? Array(0..<count)
        unsafe values.withUnsafeBufferPointer { values in
            for i in probes {
                let a = unsafe values[i]
                for j in 0..<count where j != i && (grayscale == nil ? j > i : true) {
                    let distance = unsafe (a ^ values[j]).nonzeroBitCount
                    guard distance <= maxDistance else { continue }
                    out.append((min(ids[i], ids[j]), max(ids[i], ids[j]), distance))
                }
            }
        }
        // Two grayscale pictures meet twice: keep one, and the ascending order.
        out.sort { ($0.first, $0.second) < ($1.first, $1.second) }
        var unique: [(first: Int64, second: Int64, distance: Int)] = []
        for pair in out where unique.last.map({ $0.first != pair.first || $0.second != pair.second }) ?? true {
            unique.append(pair)
        }
        return unique
    }
}
