import BackstopModel
/// SplitMix64 (Steele, Lea & Flood 2014): the renderer's only source of randomness, so a bouquet seed always
/// draws the same picture on every machine and run. Named for the renderer so it cannot clash with the
/// world generator's own generators.
struct BouquetRandom: RandomNumberGenerator {
    private var base: SplitMix64

    /// A generator whose sequence is fixed by `seed`.
    init(seed: UInt64) { base = SplitMix64(seed: seed) }

    /// The next 64 random bits.
    mutating func next() -> UInt64 { base.next() }

    /// A uniform float in `0..<1` (24 random bits, exact in Float).
    mutating func unit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A uniform float in `range`.
    mutating func float(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// A uniform integer in `range` (modulo bias is irrelevant at these sizes).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// One element of a non-empty array.
    mutating func pick<Element>(_ elements: [Element]) -> Element { elements[int(0...(elements.count - 1))] }

    /// True with probability `probability`.
    mutating func chance(_ probability: Float) -> Bool { unit() < probability }

    /// 64-bit FNV-1a of `text`: a stable (unlike `Hasher`) way to fold a path into a seed.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
