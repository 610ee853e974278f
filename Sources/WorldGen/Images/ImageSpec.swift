/// One image file of the synthetic world: where it goes and how to draw it. The world generator decides
/// the specs (which products get which pictures, which are near-duplicates, corrupt or missing);
/// ``WorldImages`` renders and writes them.
public struct ImageSpec: Sendable, Hashable, Codable {
    /// File format.
    public enum Format: String, Sendable, Hashable, Codable { case jpeg, png }

    /// How the picture relates to its source bouquet.
    public enum Variant: Sendable, Hashable, Codable {
        /// The bouquet itself.
        case original
        /// The same bouquet re-encoded as JPEG at another quality.
        case recompressed(quality: Int)
        /// The same bouquet scaled by `percent` (e.g. 80).
        case resized(percent: Int)
        /// The same bouquet with `percent` cropped from the edges (e.g. 5).
        case cropped(percent: Int)
        /// Bytes that are not a decodable image (truncated or garbage), but with the right extension.
        case corrupt
        /// Not a copy: the bouquet's backdrop, wrapping paper, stems, leaves and ribbon with other blooms
        /// (placed by `blooms`; the same kinds and colours when `sameFlowers`, else another bouquet's).
        case restaged(blooms: UInt64, sameFlowers: Bool)
        /// The region `x, y, width, height` (pixels) of a wide scene (``width`` × ``height``: the bouquet in
        /// its leftmost `width` pixels, a second one of the same recipe in its rightmost): two regions of one
        /// scene are neighbouring or partly overlapping views of one photograph, not copies of each other.
        case region(x: Int, y: Int, width: Int, height: Int)
    }

    /// Path relative to the world's `images/` folder, e.g. `upload/iblock/a1b/f3e9….jpg`.
    public var path: String
    /// The seed of the bouquet drawn (near-duplicates share their source's seed).
    public var bouquetSeed: UInt64
    /// Format of the file.
    public var format: Format
    /// Relationship to the source bouquet.
    public var variant: Variant
    /// Width in pixels of the original rendering (435 like the real resize cache; a ``Variant/region(x:y:width:height:)``'s
    /// scene is wider).
    public var width: Int
    /// Height in pixels of the original rendering (545).
    public var height: Int

    /// Creates a spec.
    public init(
        path: String, bouquetSeed: UInt64, format: Format, variant: Variant = .original, width: Int = 435,
        height: Int = 545
    ) {
        self.path = path
        self.bouquetSeed = bouquetSeed
        self.format = format
        self.variant = variant
        self.width = width
        self.height = height
    }
}
