/// An 8-bit RGB raster: `width × height` pixels, row-major, top row first, 3 bytes (R, G, B) per pixel and
/// no padding between rows. This is what ``ImageDecoder`` produces and ``ImageEncoder`` consumes.
public struct RGBImage: Sendable, Hashable {
    /// Width in pixels (at least 1).
    public var width: Int
    /// Height in pixels (at least 1).
    public var height: Int
    /// `width * height * 3` bytes of interleaved R, G, B.
    public var pixels: [UInt8]

    /// An image over existing pixels (a decoder's output, a test's pattern).
    ///
    /// - Precondition: `width` and `height` are positive and `pixels.count == width * height * 3`.
    /// - Parameters:
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    ///   - pixels: Interleaved R, G, B bytes, row-major, top row first.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)x\(height)")
        precondition(
            pixels.count == width * height * 3,
            "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)"
        )
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour (tests, padding).
    /// - Parameters:
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    ///   - red: The red channel.
    ///   - green: The green channel.
    ///   - blue: The blue channel.
    public init(width: Int, height: Int, red: UInt8, green: UInt8, blue: UInt8) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)x\(height)")
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var index = 0
        while index < pixels.count {
            pixels[index] = red
            pixels[index + 1] = green
            pixels[index + 2] = blue
            index += 3
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// Bytes per row (`width * 3`).
    public var bytesPerRow: Int { width * 3 }

    /// The pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside \(width)x\(height)")
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }
}
