import CImageCodecs

/// Every CImageCodecs call the world generator makes (BackstopIndex has its own, richer wrapper; the
/// world generator does not depend on the index stage).
package enum WorldImageCodec {
    /// A failed C call's message.
    package struct Failure: Error, CustomStringConvertible {
        /// The C side's message.
        package var description: String
    }

    static func check(_ body: (UnsafeMutablePointer<CChar>, Int) -> CImageCodecs_Status) -> Failure? {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { message in
            // safe because the buffer is non-empty and the C side writes at most message.count bytes.
            guard let start = message.baseAddress else { preconditionFailure("the buffer has 256 bytes") }
            return body(start, message.count)
        }
        guard status != CImageCodecs_ok else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Failure(description: text.isEmpty ? "status \(status.rawValue)" : text)
    }

    /// Encodes as JPEG at `quality`. The corresponding C function is `CImageCodecs_jpegEncode`.
    package static func jpeg(_ raster: BouquetRaster, quality: Int) throws(Failure) -> [UInt8] {
        try encode(raster) { pixels, width, height, output, size, message, capacity in
            CImageCodecs_jpegEncode(
                pixels, width, height, Int32(clamping: quality), 0, output, size, message, capacity)
        }
    }

    /// Encodes as an RGB PNG; `fast` skips filtering and uses a low zlib level (the world's default: the
    /// grain makes PNGs nearly incompressible, and full effort costs ~10x the time for ~10% smaller files).
    /// The corresponding C function is `CImageCodecs_pngEncode`.
    package static func png(_ raster: BouquetRaster, fast: Bool = true) throws(Failure) -> [UInt8] {
        try encode(raster) { pixels, width, height, output, size, message, capacity in
            CImageCodecs_pngEncode(pixels, width, height, fast ? 1 : 0, output, size, message, capacity)
        }
    }

    private static func encode(
        _ raster: BouquetRaster,
        _ call: (
            UnsafePointer<UInt8>?, Int32, Int32, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
            UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>, Int
        ) -> CImageCodecs_Status
    ) throws(Failure) -> [UInt8] {
        guard let width = Int32(exactly: raster.width), let height = Int32(exactly: raster.height) else {
            throw Failure(description: "size \(raster.width)x\(raster.height) does not fit Int32")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let failure = raster.pixels.withUnsafeBufferPointer { pixels in
            check { message, capacity in call(pixels.baseAddress, width, height, &output, &size, message, capacity) }
        }
        defer { CImageCodecs_free(output) }
        if let failure { throw failure }
        guard let output else { throw Failure(description: "encoder returned no bytes") }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Decodes JPEG or PNG bytes (by magic) to a raster, failing on truncated or corrupt data.
    /// The corresponding C functions are `CImageCodecs_jpegDecode` and `CImageCodecs_pngDecode`.
    package static func decode(_ bytes: [UInt8]) throws(Failure) -> BouquetRaster {
        let isPNG = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47])
        guard isPNG || bytes.starts(with: [0xFF, 0xD8, 0xFF]) else { throw Failure(description: "not a JPEG or PNG") }
        var image = CImageCodecs_Image(pixels: nil, capacity: 0, width: 0, height: 0)
        let failure = bytes.withUnsafeBufferPointer { data in
            check { message, capacity in
                isPNG
                    ? CImageCodecs_pngDecode(data.baseAddress, data.count, &image, message, capacity)
                    : CImageCodecs_jpegDecode(data.baseAddress, data.count, 1, &image, message, capacity)
            }
        }
        defer { CImageCodecs_free(image.pixels) }
        if let failure { throw failure }
        guard let pixels = image.pixels else { throw Failure(description: "decoder returned no pixels") }
        let count = Int(image.width) * Int(image.height) * 3
        return BouquetRaster(
            width: Int(image.width), height: Int(image.height),
            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Resamples to `width × height` (box when shrinking, bilinear when growing).
    /// The corresponding C function is `CImageCodecs_resize`.
    package static func resize(_ raster: BouquetRaster, width: Int, height: Int) throws(Failure) -> BouquetRaster {
        guard width > 0, height > 0, width <= Int(CImageCodecs_maxSide), height <= Int(CImageCodecs_maxSide),
            width * height <= Int(CImageCodecs_maxPixels)
        else { throw Failure(description: "cannot resize to \(width)x\(height)") }
        let count = width * height * 3
        var failure: Failure?
        let pixels = raster.pixels.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
                failure = check { message, capacity in
                    CImageCodecs_resize(
                        source.baseAddress, Int32(raster.width), Int32(raster.height), storage.baseAddress,
                        Int32(width), Int32(height), message, capacity)
                }
                initialized = failure == nil ? count : 0
            }
        }
        if let failure { throw failure }
        return BouquetRaster(width: width, height: height, pixels: pixels)
    }
}
