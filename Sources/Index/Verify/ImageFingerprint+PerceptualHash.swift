import Foundation

extension ImageFingerprint {
    /// The 64-bit DCT perceptual hash of a 32×32 luma plane, as `imagehash.phash` computes it: the 2-D DCT-II,
    /// its 8×8 lowest frequencies (the DC term included), one bit per coefficient set when it is above their
    /// median. Bit `8 * row + column` is coefficient (row, column).
    ///
    /// - Precondition: `luma32.count == 1024`.
    /// - Complexity: 32 × 32 × 8 + 8 × 32 × 8 multiply-adds (the eight lowest frequencies only).
    public static func perceptualHash(luma32: [Float]) -> UInt64 {
        precondition(luma32.count == 1024, "a perceptual hash needs 32×32 values, got \(luma32.count)")
        let n = 32
        let basis = dctBasis
        // Rows first: 32 rows × 8 frequencies.
        var rows = [Float](repeating: 0, count: n * 8)
        for y in 0..<n {
            for u in 0..<8 {
                var sum: Float = 0
                for x in 0..<n { sum += luma32[y * n + x] * basis[u * n + x] }
                rows[y * 8 + u] = sum
            }
        }
        var coefficients = [Float](repeating: 0, count: 64)
        for v in 0..<8 {
            for u in 0..<8 {
                var sum: Float = 0
                for y in 0..<n { sum += rows[y * 8 + u] * basis[v * n + y] }
                coefficients[v * 8 + u] = sum
            }
        }
        let sorted = coefficients.sorted()
        let median = (sorted[31] + sorted[32]) * 0.5
        var hash: UInt64 = 0
        for index in 0..<64 where coefficients[index] > median { hash |= 1 << UInt64(index) }
        return hash
    }

    /// The colour-blind candidate key of a picture: the perceptual hash (``perceptualHash(luma32:)``) of its
    /// Rec. 601 luma stretched over 32×32, computed by the image pass from the decode it already does for the
    /// descriptor. A grayscale copy keeps it (its luma is the original's) where the colour/edge descriptor
    /// moves far, so pairs within ``DuplicateCandidates/maxLumaHashDistance`` bits become candidates too.
    ///
    /// - Complexity: the 32×32 box resample of `image`, then about 10 000 multiply-adds.
    public static func lumaHash(_ image: RGBImage) -> UInt64 { lumaKey(image).hash }

    /// ``lumaHash(_:)`` and whether the picture is grayscale (mean chroma magnitude at 32×32 below
    /// ``DuplicateCandidates/grayscaleColourfulness``): only pairs with a grayscale picture need the
    /// colour-blind candidate source, since the cosine already finds copies that kept their colour.
    public static func lumaKey(_ image: RGBImage) -> (hash: UInt64, grayscale: Bool) {
        let n = 32
        let small = image.resized(width: n, height: n)
        var luma = [Float](repeating: 0, count: n * n)
        var chroma: Float = 0
        for index in 0..<(n * n) {
            let r = Float(small.pixels[3 * index]) * (1 / 255)
            let g = Float(small.pixels[3 * index + 1]) * (1 / 255)
            let b = Float(small.pixels[3 * index + 2]) * (1 / 255)
            luma[index] = 0.299 * r + 0.587 * g + 0.114 * b
            chroma += abs(r - g) + abs((r + g) * 0.5 - b)
        }
        let grayscale = chroma / Float(n * n) < DuplicateCandidates.grayscaleColourfulness
        return (perceptualHash(luma32: luma), grayscale)
    }

    /// cos(π (2x + 1) u / 64) for the eight lowest frequencies u of a 32-point DCT-II, `8 × 32` row-major.
    static let dctBasis: [Float] = (0..<8).flatMap { u in
        (0..<32).map { x in Float(cos(Double.pi * Double(2 * x + 1) * Double(u) / 64)) }
    }

    /// The number of differing bits of two hashes (0...64).
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }
}
