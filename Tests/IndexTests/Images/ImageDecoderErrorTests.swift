import BackstopModel
import BackstopIndex
import Testing

/// Bad input must become an IndexError with a message that names the format and the reason, never a crash
/// or an abort inside libjpeg/libpng.
@Suite struct ImageDecoderErrorTests {
    func decodeError(_ bytes: [UInt8], productID: Int64? = nil, url: String? = nil) -> IndexError? {
        do {
            _ = try ImageDecoder.decode(bytes, productID: productID, url: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyInput() throws {
        let error = try #require(decodeError([]))
        #expect(error.code == .notAnImage)
        #expect(error.message.contains("empty"))
    }

    @Test func oversizedInputIsRefusedUnparsed() throws {
        let bytes = [UInt8](repeating: 0xFF, count: 64)
        let error = #expect(throws: IndexError.self) { try ImageDecoder.decode(bytes, maxByteCount: 32) }
        #expect(error?.code == .limit)
    }

    @Test func htmlPageSavedAsJPEG() throws {
        let html = Array("<!DOCTYPE html><html><body>404 Not Found</body></html>".utf8)
        let error = try #require(decodeError(html, productID: 698_868, url: "https://cvety.kz/upload/x.jpg"))
        #expect(error.code == .notAnImage)
        #expect(error.message.contains("not a JPEG or PNG"))
        #expect(error.message.contains("3C 21 44 4F"))
        #expect(error.description.hasPrefix("product 698868 (https://cvety.kz/upload/x.jpg): "))
    }

    static let unsupported: [(String, [UInt8])] = {
        let webp: [UInt8] = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        let gif: [UInt8] = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]
        let avif: [UInt8] = [0, 0, 0, 0x1C] + Array("ftypavif".utf8) + [0, 0, 0, 0]
        let heif: [UInt8] = [0, 0, 0, 0x18] + Array("ftypheic".utf8) + [0, 0, 0, 0]
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]
        return [("WebP", webp), ("GIF", gif), ("AVIF", avif), ("HEIF", heif), ("TIFF", tiff)]
    }()

    @Test(arguments: unsupported)
    func unsupportedFormatsAreNamed(name: String, bytes: [UInt8]) throws {
        let error = try #require(decodeError(bytes))
        #expect(error.code == .unsupportedFormat)
        #expect(error.message == "unsupported image format \(name) (only JPEG and PNG are decoded)")
    }

    @Test func garbageAfterJPEGMagic() throws {
        var generator = SplitMix(seed: 7)
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF] + (0..<500).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let error = try #require(decodeError(bytes))
        #expect(error.code == .corrupt)
        #expect(error.message.hasPrefix("cannot decode JPEG (503 bytes): invalid JPEG: "))
    }

    @Test(arguments: [0.2, 0.5, 0.9])
    func truncatedJPEG(fraction: Double) throws {
        let bytes = try ImageEncoder.jpeg(testPicture(width: 200, height: 240), quality: 90)
        let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
        let error = try #require(decodeError(cut))
        #expect(error.code == .corrupt)
        #expect(error.message.contains("JPEG"))
        #expect(error.message.contains("Premature end of JPEG file"))
    }

    @Test func jpegWithCorruptEntropyData() throws {
        var bytes = try ImageEncoder.jpeg(testPicture(width: 200, height: 240), quality: 90)
        // Overwrite the middle of the scan with marker-like bytes.
        for index in stride(from: bytes.count / 2, to: bytes.count / 2 + 40, by: 2) {
            bytes[index] = 0xFF
            bytes[index + 1] = 0xD9
        }
        #expect(decodeError(bytes)?.code == .corrupt)
    }

    @Test func truncatedPNG() throws {
        let bytes = try ImageEncoder.png(testPicture())
        for cut in [12, 40, bytes.count / 2, bytes.count - 13] {
            let error = try #require(decodeError(Array(bytes.prefix(cut))), "cut at \(cut)")
            #expect(error.code == .corrupt, "\(error.message)")
            #expect(error.message.hasPrefix("cannot decode PNG"), "\(error.message)")
        }
    }

    @Test func pngWithBadChecksum() throws {
        var bytes = try ImageEncoder.png(testPicture())
        bytes[bytes.count / 2] ^= 0x55
        let error = try #require(decodeError(bytes))
        #expect(error.code == .corrupt)
        #expect(error.message.contains("PNG"))
    }

    @Test func hugePNGDimensionsAreRefusedBeforeAllocation() throws {
        let bytes = PNGFixture.make(width: 20_000, height: 20_000, bitDepth: 8, colorType: .gray, rows: [[0]])
        let error = try #require(decodeError(bytes))
        #expect(error.code == .limit)
        #expect(error.message.contains("20000x20000"), "\(error.message)")
        #expect(error.message.contains("limit"))
    }

    @Test func hugeJPEGDimensionsAreRefusedBeforeAllocation() throws {
        var bytes = try ImageEncoder.jpeg(testPicture(width: 16, height: 16), quality: 80)
        // Patch the SOF0 frame header: FF C0, length (2), precision (1), height (2), width (2).
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0xEA; bytes[sof + 6] = 0x60  // height 60000
        bytes[sof + 7] = 0xEA; bytes[sof + 8] = 0x60  // width 60000
        let error = try #require(decodeError(bytes))
        #expect(error.code == .limit)
        #expect(error.message.contains("60000x60000"), "\(error.message)")
    }
}

/// SplitMix64, for garbage bytes.
typealias SplitMix = SplitMix64
