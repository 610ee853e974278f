/// SplitMix64 (Steele, Lea and Flood 2014): turns any 64-bit value into a well-mixed one. Used to seed
/// ``WorldRandom`` and to derive per-entity streams, so that an entity's values depend only on the world seed,
/// a stream label and the entity's index, never on how much randomness other entities consumed.
@inline(__always)
func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// The world's pseudo-random generator: xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
/// Deterministic across platforms and Swift versions; the generator never touches
/// `SystemRandomNumberGenerator`.
public struct WorldRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for `stream` (a label such as ``Stream/product``) and `index` within the world `seed`.
    public init(seed: UInt64, stream: Stream, index: Int = 0) {
        var x = splitMix64(seed ^ splitMix64(stream.rawValue &* 0x1000_0000_01B3 ^ UInt64(bitPattern: Int64(index))))
        x = splitMix64(x)
        s0 = x
        s1 = splitMix64(x ^ 0x1)
        s2 = splitMix64(x ^ 0x2)
        s3 = splitMix64(x ^ 0x3)
    }

    /// Independent streams of one world.
    public enum Stream: UInt64, Sendable {
        case product = 1, order, user, file, catalog, embedding, names, drift, localProducts, sellers
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform integer in `range` (Lemire's multiply-shift; bias below 2⁻³² for world-sized ranges).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        if width == 0 { return Int(truncatingIfNeeded: next()) }
        let product = next().multipliedFullWidth(by: width)
        return range.lowerBound + Int(product.high)
    }

    /// A uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// `true` with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniformly chosen element.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// An index chosen with the given relative weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    /// An approximately standard-normal value (sum of four uniforms, rescaled): cheap and good enough for
    /// synthetic embeddings.
    public mutating func gaussian() -> Float {
        let sum = unit() + unit() + unit() + unit()
        return Float((sum - 2.0) * 1.7320508075688772)
    }
}
