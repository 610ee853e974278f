/// What the near-duplicate verifier keeps of one picture: small planes of its pixels (luma at 64×64, 32×32
/// and 16×16, chroma at 16×16, each stretched over the whole picture whatever its shape), its size and its
/// 64-bit DCT perceptual hash.
///
/// Built from the DCT-scaled decode (``ImageDecoder/decode(_:minWidth:minHeight:productID:url:maxByteCount:)``
/// at ``decodeSize``), only for the pictures of candidate pairs, so its cost is that of a few dozen decodes
/// per run, not one per image. Deterministic: the same bytes always give the same fingerprint, which is what
/// keeps verified pairs the same whether the similarity pass was incremental or a self-join.
public struct ImageFingerprint: Sendable, Hashable {
    /// The side of the finest luma plane.
    public static let side = 64
    /// The side of the chroma planes.
    public static let chromaSide = 16
    /// The smallest decode a fingerprint needs (a 435×545 JPEG decodes at 1/4 scale, 109×137).
    public static let decodeSize = 96

    /// Width of the source picture in pixels.
    public var width: Int
    /// Height of the source picture in pixels.
    public var height: Int
    /// Luma planes, finest first: 64×64, 32×32, 16×16 values in 0...1 (Rec. 601 weights, the same as a
    /// grayscale conversion), row-major.
    public var luma: [[Float]]
    /// The red–green opponent plane, 16×16 values in -1...1.
    public var redGreen: [Float]
    /// The yellow–blue opponent plane, 16×16 values in -1...1.
    public var yellowBlue: [Float]
    /// The 64-bit DCT perceptual hash (``perceptualHash(luma32:)``).
    public var hash: UInt64

    /// The fingerprint of a decoded picture (any size).
    ///
    /// - Parameters:
    ///   - image: The decoded picture, ideally the DCT-scaled decode.
    ///   - width: The full picture's width, when `image` is a reduced decode (default: `image.width`).
    ///   - height: The full picture's height (default: `image.height`).
    public init(_ image: RGBImage, width: Int? = nil, height: Int? = nil) {
        self.width = width ?? image.width
        self.height = height ?? image.height
        let side = Self.side
        let small = image.resized(width: side, height: side)
        var fine = [Float](repeating: 0, count: side * side)
        for index in 0..<(side * side) {
            let r = Float(small.pixels[3 * index])
            let g = Float(small.pixels[3 * index + 1])
            let b = Float(small.pixels[3 * index + 2])
            fine[index] = (0.299 * r + 0.587 * g + 0.114 * b) * (1 / 255)
        }
        let half = Self.halved(fine, side: side)
        let quarter = Self.halved(half, side: side / 2)
        luma = [fine, half, quarter]
        let chroma = Self.chromaSide
        let tiny = small.resized(width: chroma, height: chroma)
        var rg = [Float](repeating: 0, count: chroma * chroma)
        var yb = [Float](repeating: 0, count: chroma * chroma)
        for index in 0..<(chroma * chroma) {
            let r = Float(tiny.pixels[3 * index]) * (1 / 255)
            let g = Float(tiny.pixels[3 * index + 1]) * (1 / 255)
            let b = Float(tiny.pixels[3 * index + 2]) * (1 / 255)
            rg[index] = r - g
            yb[index] = (r + g) * 0.5 - b
        }
        redGreen = rg
        yellowBlue = yb
        hash = Self.perceptualHash(luma32: half)
    }

    /// The mean chroma magnitude (|red–green| + |yellow–blue|): about 0 for a grayscale picture.
    public var colourfulness: Float {
        var total: Float = 0
        for index in 0..<redGreen.count { total += abs(redGreen[index]) + abs(yellowBlue[index]) }
        return total / Float(redGreen.count)
    }

    /// The plane of `side / 2` averaging 2×2 blocks of `plane`.
    static func halved(_ plane: [Float], side: Int) -> [Float] {
        let half = side / 2
        var out = [Float](repeating: 0, count: half * half)
        for y in 0..<half {
            for x in 0..<half {
                let top = 2 * y * side + 2 * x
                out[y * half + x] = (plane[top] + plane[top + 1] + plane[top + side] + plane[top + side + 1]) * 0.25
            }
        }
        return out
    }
}
