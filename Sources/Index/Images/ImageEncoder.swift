import CImageCodecs

/// Encodes an ``RGBImage`` as JPEG or PNG bytes.
public enum ImageEncoder {
    /// How a JPEG is laid out; the default is baseline YCbCr with 4:2:0 chroma subsampling.
    public struct JPEGOptions: OptionSet, Sendable, Hashable {
        /// The option bits (the C side's `CImageCodecs_jpeg*` flags).
        public var rawValue: Int32
        /// Creates options from their bits.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// A progressive JPEG instead of a baseline one.
        public static let progressive = JPEGOptions(rawValue: Int32(CImageCodecs_jpegProgressive))
        /// A one-component grayscale JPEG (the luma of the pixels).
        public static let grayscale = JPEGOptions(rawValue: Int32(CImageCodecs_jpegGrayscale))
        /// A four-component, Adobe-inverted CMYK JPEG, as Photoshop writes them; mostly for testing decoders.
        public static let adobeCMYK = JPEGOptions(rawValue: Int32(CImageCodecs_jpegAdobeCMYK))
    }

    /// Encodes as a JPEG, by default baseline with 4:2:0 chroma subsampling (libjpeg-turbo's defaults).
    ///
    /// - Parameters:
    ///   - image: The pixels.
    ///   - quality: libjpeg quality, 1...100 (the resize cache uses about 85–95).
    ///   - options: Progressive, grayscale or CMYK output.
    /// - Returns: The JPEG file's bytes.
    /// - Throws: ``IndexError`` when `quality` is out of range or the image is over the size limits.
    public static func jpeg(
        _ image: RGBImage, quality: Int = 90, options: JPEGOptions = []
    ) throws(IndexError) -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw IndexError(.configuration, "JPEG quality \(quality) is outside 1...100")
        }
        switch ImageCodecCalls.encode(image, jpegQuality: quality, jpegOptions: options.rawValue, fastPNG: false) {
        case .success(let bytes): return bytes
        case .failure(let error): throw IndexError(.io, "cannot encode JPEG: \(error.message)")
        }
    }

    /// Encodes as an 8-bit RGB PNG.
    ///
    /// - Parameters:
    ///   - image: The pixels.
    ///   - fast: Skip PNG filtering and use a low zlib level: larger files, several times faster.
    /// - Returns: The PNG file's bytes.
    /// - Throws: ``IndexError`` when the image is over the size limits.
    public static func png(_ image: RGBImage, fast: Bool = false) throws(IndexError) -> [UInt8] {
        switch ImageCodecCalls.encode(image, jpegQuality: nil, fastPNG: fast) {
        case .success(let bytes): return bytes
        case .failure(let error): throw IndexError(.io, "cannot encode PNG: \(error.message)")
        }
    }
}
