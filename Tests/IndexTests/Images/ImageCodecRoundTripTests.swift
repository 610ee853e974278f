import BackstopIndex
import Testing

/// A deterministic test picture: smooth gradients plus a few hard edges, like a product photo.
func testPicture(width: Int = 96, height: Int = 120) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let offset = (y * width + x) * 3
            let inSquare = x > width / 4 && x < width / 2 && y > height / 3 && y < height / 2
            pixels[offset] = inSquare ? 220 : UInt8(x * 255 / width)
            pixels[offset + 1] = inSquare ? 30 : UInt8(y * 255 / height)
            pixels[offset + 2] = UInt8((x + y) * 255 / (width + height))
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

@Suite struct ImageCodecRoundTripTests {
    @Test func pngRoundTripIsExact() throws {
        let image = testPicture()
        for fast in [false, true] {
            let bytes = try ImageEncoder.png(image, fast: fast)
            #expect(ImageFormat.detect(bytes) == .png)
            let decoded = try ImageDecoder.decode(bytes)
            #expect(decoded == image)
        }
    }

    @Test(arguments: [50, 75, 90, 100])
    func jpegRoundTripKeepsSizeAndStaysClose(quality: Int) throws {
        let image = testPicture(width: 435, height: 545)
        let bytes = try ImageEncoder.jpeg(image, quality: quality)
        #expect(ImageFormat.detect(bytes) == .jpeg)
        let decoded = try ImageDecoder.decode(bytes)
        #expect(decoded.width == 435 && decoded.height == 545)
        let error = decoded.meanAbsoluteDifference(to: image)
        #expect(error < (quality >= 90 ? 2.0 : 5.0), "mean error \(error) at quality \(quality)")
    }

    @Test func jpegQualityChangesSize() throws {
        let image = testPicture(width: 200, height: 200)
        let low = try ImageEncoder.jpeg(image, quality: 30)
        let high = try ImageEncoder.jpeg(image, quality: 95)
        #expect(low.count < high.count)
    }

    @Test func progressiveJPEGDecodes() throws {
        let image = testPicture()
        let bytes = try ImageEncoder.jpeg(image, quality: 90, options: .progressive)
        let decoded = try ImageDecoder.decode(bytes)
        #expect(decoded.meanAbsoluteDifference(to: image) < 2.5)
    }

    @Test func grayscaleJPEGDecodesToEqualChannels() throws {
        let bytes = try ImageEncoder.jpeg(testPicture(), quality: 90, options: .grayscale)
        let decoded = try ImageDecoder.decode(bytes)
        #expect(decoded.width == 96 && decoded.height == 120)
        for index in stride(from: 0, to: decoded.pixels.count, by: 3) {
            #expect(decoded.pixels[index] == decoded.pixels[index + 1])
            #expect(decoded.pixels[index + 1] == decoded.pixels[index + 2])
        }
    }

    @Test func adobeCMYKJPEGDecodesToRGB() throws {
        let image = testPicture()
        let bytes = try ImageEncoder.jpeg(image, quality: 95, options: .adobeCMYK)
        let decoded = try ImageDecoder.decode(bytes)
        let error = decoded.meanAbsoluteDifference(to: image)
        #expect(error < 4.0, "mean error \(error)")
    }

    @Test func headerSizeWithoutDecoding() throws {
        let image = testPicture(width: 33, height: 17)
        #expect(try ImageDecoder.size(of: ImageEncoder.jpeg(image)) == (33, 17))
        #expect(try ImageDecoder.size(of: ImageEncoder.png(image)) == (33, 17))
    }

    @Test func encoderRejectsBadQuality() {
        let error = #expect(throws: IndexError.self) { try ImageEncoder.jpeg(testPicture(), quality: 0) }
        #expect(error?.code == .configuration)
        #expect(throws: IndexError.self) { try ImageEncoder.jpeg(testPicture(), quality: 101) }
    }

    @Test func versionsAreReported() {
        let versions = ImageCodecVersions.current
        #expect(versions.jpegLibVersion >= 62)
        #expect(versions.pngVersion.hasPrefix("1."))
        #expect(versions.description.contains("libpng"))
    }
}
