import CZlib

/// A minimal PNG writer for world images: 8-bit RGB, every row with the "Up" filter, deflated with zlib's
/// run-length strategy at level 1. The renderer's pictures are smooth (drawn at half size and upscaled), so
/// the Up residuals are small and this gives files about half the size of libpng's fast mode (no filter,
/// level 3) in a fraction of the time; any PNG decoder reads them (libpng does in the tests).
enum WorldPNG {
    /// PNG bytes of `raster`.
    static func encode(_ raster: BouquetRaster) throws(WorldImageCodec.Failure) -> [UInt8] {
        let width = raster.width
        let height = raster.height
        let rowBytes = width * 3
        // Filtered scanlines: a filter-type byte (2 = Up) then each byte minus the one above it.
        var filtered = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        raster.pixels.withUnsafeBufferPointer { source in
            filtered.withUnsafeMutableBufferPointer { target in
                guard let src = source.baseAddress, let out = target.baseAddress else { return }
                for y in 0..<height {
                    let line = out + y * (rowBytes + 1)
                    line[0] = 2
                    let current = src + y * rowBytes
                    if y == 0 {
                        (line + 1).update(from: current, count: rowBytes)
                    } else {
                        let above = current - rowBytes
                        for i in 0..<rowBytes { line[1 + i] = current[i] &- above[i] }
                    }
                }
            }
        }
        let compressed = try deflate(filtered)

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png.reserveCapacity(compressed.count + 64)
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // 8-bit depth, RGB, deflate, adaptive filters, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", compressed, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// A zlib stream of `data` (level 1, `Z_RLE`).
    private static func deflate(_ data: [UInt8]) throws(WorldImageCodec.Failure) -> [UInt8] {
        var stream = z_stream()
        let initialised = deflateInit2_(
            &stream, 1, Z_DEFLATED, 15, 8, Z_RLE, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else { throw WorldImageCodec.Failure(description: "deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var status: Int32 = Z_OK
        var produced = 0
        data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                // zlib never writes through next_in; its API is not const-correct.
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = CZlib.deflate(&stream, Z_FINISH)
                produced = out.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else {
            throw WorldImageCodec.Failure(description: "deflate failed with status \(status)")
        }
        output.removeSubrange(produced...)
        return output
    }

    private static func appendChunk(_ type: StaticString, _ body: [UInt8], to png: inout [UInt8]) {
        png.appendBigEndian(UInt32(body.count))
        let start = png.count
        type.withUTF8Buffer { png.append(contentsOf: $0) }
        png.append(contentsOf: body)
        let crc =
            png[start...].withContiguousStorageIfAvailable { bytes in
                crc32(0, bytes.baseAddress, uInt(bytes.count))
            } ?? 0
        png.appendBigEndian(UInt32(truncatingIfNeeded: crc))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
