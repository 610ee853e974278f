import BackstopIndex
import Testing

@Suite struct RGBImageGeometryTests {
    @Test func resizeOfUniformImageStaysUniform() {
        let image = RGBImage(width: 435, height: 545, red: 200, green: 100, blue: 50)
        for (width, height) in [(224, 224), (100, 37), (870, 1090), (1, 1)] {
            let resized = image.resized(width: width, height: height)
            #expect(resized.width == width && resized.height == height)
            #expect(resized == RGBImage(width: width, height: height, red: 200, green: 100, blue: 50))
        }
    }

    @Test func boxDownscaleAveragesExactly() {
        // 2x2 blocks of 0 and 200 halve to 100.
        var pixels = [UInt8]()
        for y in 0..<4 { for x in 0..<4 { pixels += Array(repeating: (x + y) % 2 == 0 ? 0 : 200, count: 3) } }
        let image = RGBImage(width: 4, height: 4, pixels: pixels)
        #expect(image.resized(width: 2, height: 2) == RGBImage(width: 2, height: 2, red: 100, green: 100, blue: 100))
    }

    @Test func upscaleThenDownscaleIsClose() {
        let image = testPicture()
        let back = image.resized(width: 192, height: 240).resized(width: 96, height: 120)
        #expect(back.meanAbsoluteDifference(to: image) < 2.0)
    }

    @Test func resizedMaxSideKeepsAspect() {
        let image = testPicture(width: 435, height: 545)
        let small = image.resized(maxSide: 256)
        #expect(small.height == 256 && small.width == 204)
        #expect(image.resized(maxSide: 1000) == image)
    }

    @Test func cropCopiesTheRightPixels() {
        let image = testPicture()
        let crop = image.cropped(x: 10, y: 20, width: 5, height: 4)
        #expect(crop.width == 5 && crop.height == 4)
        for y in 0..<4 { for x in 0..<5 { #expect(crop[x, y] == image[x + 10, y + 20]) } }
    }

    @Test func centerCropAndFill() {
        let image = testPicture(width: 435, height: 545)
        let square = image.centerCropped(toAspectRatio: 1, 1)
        #expect(square.width == 435 && square.height == 435)
        #expect(square[0, 0] == image[0, 55])
        let filled = image.scaledToFill(width: 224, height: 224)
        #expect(filled.width == 224 && filled.height == 224)
        #expect(image.centerCropped(width: 1000, height: 10).width == 435)
    }

    @Test func meanAbsoluteDifference() {
        let a = RGBImage(width: 2, height: 2, red: 10, green: 10, blue: 10)
        let b = RGBImage(width: 2, height: 2, red: 20, green: 0, blue: 10)
        #expect(a.meanAbsoluteDifference(to: a) == 0)
        #expect(abs(a.meanAbsoluteDifference(to: b) - 20.0 / 3.0) < 1e-9)
    }
}
