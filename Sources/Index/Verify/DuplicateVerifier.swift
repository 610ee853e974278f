/// Decides whether a candidate pair of pictures (two products whose local vectors reached the candidate
/// threshold) shows the same picture: re-encoded, rescaled, trimmed, turned grayscale or converted between
/// PNG and JPEG, and not merely the same kind of picture (a neighbouring region of one photograph, a
/// repetitive texture, the same backdrop with other flowers, the same scene in other colours).
///
/// The decision looks at the pixels of both pictures (``ImageFingerprint``):
/// 1. **Alignment.** The second picture is placed on the first by a per-axis scale and offset: its edges
///    land at `left…right` and `top…bottom` of the first's frame, each edge within ``Parameters/maxTrim``
///    of the first's own (crops up to 10 % of one side, in either picture), one picture nested in the
///    other (a trim, never a shift: a shifted window is how neighbouring regions and textures line up). Column and row profiles give the
///    starting guesses; a coordinate search on the 32×32 and 64×64 luma planes refines them, maximising the
///    normalised cross-correlation (NCC) over the overlap.
/// 2. **The aligned pictures must agree everywhere**: NCC at least ``Parameters/minCorrelation``; in every
///    cell of a 4×4 grid, the mean squared difference of the standardised values at most
///    ``Parameters/maxCellError`` (another bouquet in front of the same backdrop differs a lot in a few
///    cells); the perceptual hash of the first picture resampled into the second's frame within
///    ``Parameters/maxAlignedHashDistance`` bits of the second's; the overlap at least ``Parameters/minOverlap``
///    of the smaller picture.
/// 3. **Colour**: when both pictures have colour, their aligned chroma may differ by at most
///    ``Parameters/maxColourDifference`` on average, and the chroma fields may turn by at most
///    ``Parameters/maxHueTurn`` (1 − cosine); a grayscale copy skips this check.
///
/// The parameters are versioned (``Parameters/version``): reports name the version and values used.
public enum DuplicateVerifier {
    /// The verification's thresholds and search limits.
    public struct Parameters: Sendable, Hashable {
        /// Names these values and the candidate keys the image pass stores for them (the luma hash and the
        /// grayscale flag of ``DuplicateCandidates``); reports and the bench quote it. Bump it when any value,
        /// a candidate key or the method changes: the shipped version is part of the local model's version
        /// (``LocalEmbeddingModel/version``), so a new one makes every stored vector and key stale and the
        /// next run computes them again. 2: the grayscale probe threshold 0.02 → 0.005.
        public var version = "backstop-verify-2"
        /// How far (fraction of the first picture's side) each edge of the second may land from the first's.
        public var maxTrim: Float = 0.14
        /// The smallest aligned normalised cross-correlation of the luma planes (64×64).
        public var minCorrelation: Float = 0.95
        /// The largest mean squared difference of the standardised luma in any cell of a 4×4 grid.
        public var maxCellError: Float = 0.25
        /// The largest Hamming distance between the second picture's perceptual hash and the hash of the
        /// first resampled into the second's frame.
        public var maxAlignedHashDistance = 18
        /// The largest mean chroma difference (|Δ red–green| + |Δ yellow–blue|, 16×16) when both have colour.
        public var maxColourDifference: Float = 0.10
        /// The largest hue turn of the aligned chroma fields (1 − cosine; a rotation by 25° gives 0.094)
        /// when both have colour.
        public var maxHueTurn: Float = 0.085
        /// Below this mean chroma magnitude a picture counts as grayscale (no colour check).
        public var grayscaleColourfulness: Float = 0.02
        /// The smallest part of the smaller picture that must lie on the other.
        public var minOverlap: Float = 0.70

        /// The shipped values.
        public init() {}

        /// One line for reports: the version and every value.
        public var summary: String {
            "\(version): ncc ≥ \(minCorrelation), cell error ≤ \(maxCellError), aligned phash ≤ "
                + "\(maxAlignedHashDistance)/64, colour Δ ≤ \(maxColourDifference) and hue turn ≤ \(maxHueTurn) (both coloured, "
                + "> \(grayscaleColourfulness)), edges within \(maxTrim), overlap ≥ \(minOverlap)"
        }
    }

    /// Where the second picture lies on the first: its edges in the first's frame (0...1 is the first
    /// picture; values outside mean the second shows more than the first on that side).
    public struct Placement: Sendable, Hashable {
        /// Left edge of the second, in the first's widths.
        public var left: Float
        /// Top edge of the second, in the first's heights.
        public var top: Float
        /// Right edge of the second, in the first's widths.
        public var right: Float
        /// Bottom edge of the second, in the first's heights.
        public var bottom: Float

        /// Creates a placement.
        public init(left: Float, top: Float, right: Float, bottom: Float) {
            self.left = left
            self.top = top
            self.right = right
            self.bottom = bottom
        }

        /// The second picture exactly over the first.
        public static let identity = Placement(left: 0, top: 0, right: 1, bottom: 1)

        /// What was cut from each edge (left, top, right, bottom) of the first picture to get the common
        /// region: the parts of the first the second does not show.
        public var firstCrop: [Float] {
            [max(0, left), max(0, top), max(0, 1 - right), max(0, 1 - bottom)]
        }

        /// What was cut from each edge of the second picture to get the common region.
        public var secondCrop: [Float] {
            let width = right - left
            let height = bottom - top
            return [
                max(0, -left) / width, max(0, -top) / height, max(0, right - 1) / width, max(0, bottom - 1) / height,
            ]
        }
    }

    /// The verifier's measurements of one pair and its decision.
    public struct Verdict: Sendable, Hashable {
        /// Whether the pair is the same picture.
        public var isDuplicate: Bool
        /// The first reason it is not (`correlation`, `cell`, `aligned_hash`, `colour`, `overlap`), or nil.
        public var rejection: String?
        /// The Hamming distance of the two perceptual hashes as they are (no alignment), 0...64.
        public var hashDistance: Int
        /// The Hamming distance after alignment (second's hash vs the first resampled into its frame).
        public var alignedHashDistance: Int
        /// The aligned normalised cross-correlation of the luma planes, -1...1.
        public var correlation: Float
        /// The worst 4×4 cell's mean squared difference of standardised luma (0 = identical).
        public var cellError: Float
        /// The mean aligned chroma difference, or nil when either picture is grayscale.
        public var colourDifference: Float?
        /// One minus the cosine of the aligned chroma fields, or nil when either picture is grayscale.
        public var hueTurn: Float?
        /// The part of the smaller picture that lies on the other.
        public var overlap: Float
        /// Where the second picture lies on the first.
        public var placement: Placement
        /// Pixels of the second per pixel of the first along the width, after the crop.
        public var scaleX: Float
        /// Pixels of the second per pixel of the first along the height, after the crop.
        public var scaleY: Float

        /// How far the pair is from the decision boundary: the smallest of each check's slack, as a
        /// fraction of its range (correlation `(ncc - min) / (1 - min)`, cell error `(max - e) / max`,
        /// aligned hash `(max - d) / max`, colour `(max - Δ) / max`, overlap `(o - min) / (1 - min)`).
        /// Positive exactly when the pair is a duplicate; for the bench's margins.
        public func confidence(_ parameters: Parameters) -> Float {
            var slack = min(
                (correlation - parameters.minCorrelation) / (1 - parameters.minCorrelation),
                (parameters.maxCellError - cellError) / parameters.maxCellError,
                Float(parameters.maxAlignedHashDistance - alignedHashDistance)
                    / Float(max(1, parameters.maxAlignedHashDistance)),
                (overlap - parameters.minOverlap) / (1 - parameters.minOverlap))
            if let colourDifference {
                slack = min(slack, (parameters.maxColourDifference - colourDifference) / parameters.maxColourDifference)
            }
            if let hueTurn { slack = min(slack, (parameters.maxHueTurn - hueTurn) / parameters.maxHueTurn) }
            return slack
        }
    }

    /// Decides one pair.
    ///
    /// - Parameters:
    ///   - first: The fingerprint of the pair's first picture (the smaller product id).
    ///   - second: The fingerprint of the second.
    ///   - parameters: Thresholds and search limits.
    /// - Returns: The measurements and the decision.
    /// - Complexity: a few thousand evaluations of at most 64×64 samples: about a millisecond.
    public static func verify(
        _ first: ImageFingerprint, _ second: ImageFingerprint, parameters: Parameters = Parameters()
    ) -> Verdict {
        let placement = align(first, second, maxTrim: parameters.maxTrim, minOverlap: parameters.minOverlap)
        let fine = compare(first, second, placement, level: 0)
        let alignedHash = ImageFingerprint.perceptualHash(luma32: resampled(first, into: placement, level: 1))
        let alignedDistance = ImageFingerprint.distance(alignedHash, second.hash)
        let coloured =
            first.colourfulness > parameters.grayscaleColourfulness
            && second.colourfulness > parameters.grayscaleColourfulness
        let colour = coloured ? colourDifference(first, second, placement) : nil
        var rejection: String?
        if fine.overlap < parameters.minOverlap {
            rejection = "overlap"
        } else if fine.correlation < parameters.minCorrelation {
            rejection = "correlation"
        } else if fine.cellError > parameters.maxCellError {
            rejection = "cell"
        } else if alignedDistance > parameters.maxAlignedHashDistance {
            rejection = "aligned_hash"
        } else if let colour, colour.mean > parameters.maxColourDifference || colour.turn > parameters.maxHueTurn {
            rejection = "colour"
        }
        let width = placement.right - placement.left
        let height = placement.bottom - placement.top
        return Verdict(
            isDuplicate: rejection == nil, rejection: rejection,
            hashDistance: ImageFingerprint.distance(first.hash, second.hash), alignedHashDistance: alignedDistance,
            correlation: fine.correlation, cellError: fine.cellError, colourDifference: colour?.mean,
            hueTurn: colour?.turn,
            overlap: fine.overlap, placement: placement,
            scaleX: Float(second.width) / (width * Float(first.width)),
            scaleY: Float(second.height) / (height * Float(first.height)))
    }
}
