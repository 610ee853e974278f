/// An image file format recognised by its first bytes (its "magic"). Only ``jpeg`` and ``png`` can be
/// decoded; the others are recognised so errors can name them.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// JPEG/JFIF/EXIF: `FF D8 FF`.
    case jpeg
    /// PNG: `89 50 4E 47 0D 0A 1A 0A`.
    case png
    /// WebP: `RIFF ???? WEBP`.
    case webp
    /// GIF: `GIF87a` or `GIF89a`.
    case gif
    /// Windows bitmap: `BM`.
    case bmp
    /// TIFF: `II*\0` or `MM\0*`.
    case tiff
    /// HEIF/HEIC: an ISO-BMFF `ftyp` box with a HEIF brand.
    case heif
    /// AVIF: an ISO-BMFF `ftyp` box with an AVIF brand.
    case avif

    /// The format's usual name (`JPEG`, `PNG`, `WebP`, …).
    public var description: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        case .gif: "GIF"
        case .bmp: "BMP"
        case .tiff: "TIFF"
        case .heif: "HEIF"
        case .avif: "AVIF"
        }
    }

    /// Whether ``ImageDecoder`` can decode this format.
    public var isDecodable: Bool { self == .jpeg || self == .png }

    /// The format whose magic bytes start `bytes`, or `nil` when none matches.
    ///
    /// - Complexity: O(1); reads at most the first 12 bytes.
    /// - Parameter bytes: The start of a file or body (fewer than 12 bytes is fine).
    /// - Returns: The format, or `nil` (an HTML error page, a truncated body, an unknown format).
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        func starts(with magic: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + magic.count else { return false }
            for index in 0..<magic.count where bytes[offset + index] != magic[index] { return false }
            return true
        }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return .webp }
        if starts(with: Array("GIF87a".utf8)) || starts(with: Array("GIF89a".utf8)) { return .gif }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(with: Array("ftyp".utf8), at: 4), bytes.count >= 12 {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            if brand.hasPrefix("avi") { return .avif }
            if ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].contains(brand) { return .heif }
        }
        if starts(with: Array("BM".utf8)) { return .bmp }
        return nil
    }
}
