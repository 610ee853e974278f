import BackstopIndex
import Testing

/// Every PNG colour type and bit depth decodes to 8-bit RGB; alpha composites onto white.
@Suite struct PNGVariantTests {
    @Test func palette() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
        let bytes = PNGFixture.make(
            width: 3, height: 2, bitDepth: 8, colorType: .palette, rows: [[0, 1, 2], [2, 1, 0]], palette: palette)
        let image = try ImageDecoder.decode(bytes)
        #expect(image.width == 3 && image.height == 2)
        #expect(image.pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0])
    }

    @Test func paletteWithTransparencyCompositesOnWhite() throws {
        let bytes = PNGFixture.make(
            width: 2, height: 1, bitDepth: 8, colorType: .palette, rows: [[0, 1]],
            palette: [(10, 20, 30), (200, 0, 0)], transparency: [0, 255])
        let image = try ImageDecoder.decode(bytes)
        #expect(image.pixels == [255, 255, 255, 200, 0, 0])
    }

    @Test func twoBitPalette() throws {
        // 4 pixels at 2 bits each in one byte: indices 0, 1, 2, 3.
        let bytes = PNGFixture.make(
            width: 4, height: 1, bitDepth: 2, colorType: .palette, rows: [[0b00_01_10_11]],
            palette: [(0, 0, 0), (85, 85, 85), (170, 170, 170), (255, 255, 255)])
        let image = try ImageDecoder.decode(bytes)
        #expect(image.pixels == [0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255])
    }

    @Test func gray8AndGray1() throws {
        let gray = try ImageDecoder.decode(
            PNGFixture.make(width: 2, height: 1, bitDepth: 8, colorType: .gray, rows: [[0, 128]]))
        #expect(gray.pixels == [0, 0, 0, 128, 128, 128])
        let bits = try ImageDecoder.decode(
            PNGFixture.make(width: 8, height: 1, bitDepth: 1, colorType: .gray, rows: [[0b1010_0000]]))
        #expect(Array(bits.pixels.prefix(9)) == [255, 255, 255, 0, 0, 0, 255, 255, 255])
    }

    @Test func grayAlpha() throws {
        let bytes = PNGFixture.make(
            width: 2, height: 1, bitDepth: 8, colorType: .grayAlpha, rows: [[50, 255, 50, 0]])
        let image = try ImageDecoder.decode(bytes)
        #expect(Array(image.pixels.prefix(3)) == [50, 50, 50])
        #expect(Array(image.pixels.suffix(3)) == [255, 255, 255])
    }

    @Test func rgbaOpaqueAndTransparent() throws {
        let bytes = PNGFixture.make(
            width: 3, height: 1, bitDepth: 8, colorType: .rgba,
            rows: [[10, 20, 30, 255, 10, 20, 30, 0, 0, 0, 0, 128]])
        let image = try ImageDecoder.decode(bytes)
        #expect(Array(image.pixels[0..<6]) == [10, 20, 30, 255, 255, 255])
        // Half-transparent black over white lands in the middle (libpng blends in linear light).
        #expect((100...200).contains(image.pixels[6]))
    }

    @Test func sixteenBitRGB() throws {
        // 16-bit samples v * 257 are exactly the 8-bit value v scaled (no gAMA chunk: taken as sRGB).
        let values: [UInt8] = [0, 64, 128, 200, 255, 17]
        let row = values.flatMap { [$0, $0] }
        let bytes = PNGFixture.make(width: 2, height: 1, bitDepth: 16, colorType: .rgb, rows: [row])
        let image = try ImageDecoder.decode(bytes)
        #expect(image.width == 2 && image.height == 1)
        for (decoded, expected) in zip(image.pixels, values) {
            #expect(abs(Int(decoded) - Int(expected)) <= 1, "\(decoded) vs \(expected)")
        }
    }

    @Test func sixteenBitRGBA() throws {
        let row: [UInt8] = [0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF]  // opaque red
        let bytes = PNGFixture.make(width: 1, height: 1, bitDepth: 16, colorType: .rgba, rows: [row])
        #expect(try ImageDecoder.decode(bytes).pixels == [255, 0, 0])
    }
}
