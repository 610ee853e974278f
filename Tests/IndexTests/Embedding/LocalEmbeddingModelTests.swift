@testable import BackstopIndex
import BackstopModel
import Testing

/// Fitting is deterministic, the stored numbers round-trip, and the model version follows the numbers.
@Suite struct LocalEmbeddingModelTests {
    func pictures(_ count: Int, seed: UInt64) -> [RGBImage] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var image = RGBImage(
                width: 96, height: 120, red: UInt8(random.next() % 256), green: UInt8(random.next() % 256),
                blue: UInt8(random.next() % 256))
            for _ in 0..<6 {
                let x = Int(random.next() % 80)
                let y = Int(random.next() % 100)
                let colour = (UInt8(random.next() % 256), UInt8(random.next() % 256), UInt8(random.next() % 256))
                for yy in y..<(y + 20) {
                    for xx in x..<(x + 16) {
                        let offset = (yy * 96 + xx) * 3
                        image.pixels[offset] = colour.0
                        image.pixels[offset + 1] = colour.1
                        image.pixels[offset + 2] = colour.2
                    }
                }
            }
            return image
        }
    }

    @Test func fittingTwiceGivesTheSameVersionAndVectors() throws {
        let descriptors = pictures(60, seed: 5).map(ImageDescriptor.describe)
        let a = try LocalEmbeddingModel.fit(descriptors: descriptors)
        let b = try LocalEmbeddingModel.fit(descriptors: descriptors)
        #expect(a.version == b.version)
        #expect(a.version.hasPrefix("backstop-local-1-"))
        #expect(a.embed(descriptor: descriptors[0]) == b.embed(descriptor: descriptors[0]))
        let other = try LocalEmbeddingModel.fit(descriptors: Array(descriptors.dropLast()))
        #expect(other.version != a.version, "other numbers, other label")
        let vector = a.embed(descriptor: descriptors[3])
        #expect(vector.count == 512)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }

    /// The near-duplicate method's version is part of the model's: the same numbers under another verifier
    /// are another label (so stored vectors and their candidate keys are recomputed), the shipped one is
    /// the default, and a model read back from its numbers carries the shipped one.
    @Test func theNearDuplicateMethodIsPartOfTheVersion() throws {
        let model = try LocalEmbeddingModel.fit(descriptors: pictures(20, seed: 9).map(ImageDescriptor.describe))
        func labelled(_ method: String) -> String {
            LocalEmbeddingModel(
                dimensions: model.dimensions, inputDimensions: model.inputDimensions, mean: model.mean,
                projection: model.projection, fittedOn: model.fittedOn, duplicateMethod: method
            ).version
        }
        let shipped = DuplicateVerifier.Parameters().version
        #expect(labelled(shipped) == model.version)
        #expect(labelled("backstop-verify-1") != model.version)
        #expect(labelled("backstop-verify-1") == labelled("backstop-verify-1"))
        #expect(try LocalEmbeddingModel(serialized: model.serialized, fittedOn: 20).version == model.version)
    }

    @Test func storedNumbersRoundTrip() throws {
        let model = try LocalEmbeddingModel.fit(descriptors: pictures(20, seed: 8).map(ImageDescriptor.describe))
        let loaded = try LocalEmbeddingModel(serialized: model.serialized, fittedOn: model.fittedOn)
        #expect(loaded == model)
        var corrupt = model.serialized
        corrupt.removeLast()
        let error = #expect(throws: IndexError.self) { try LocalEmbeddingModel(serialized: corrupt, fittedOn: 1) }
        #expect(error?.code == .model)
    }

    @Test func jpegDecodesAtTheModelSizeThroughDCTScaling() throws {
        let image = pictures(1, seed: 2)[0].resized(width: 435, height: 545)
        let jpeg = try ImageEncoder.jpeg(image, quality: 90)
        let small = try ImageDecoder.decode(jpeg, minWidth: 48, minHeight: 60)
        #expect(small.width == 55 && small.height == 69, "1/8 scale: \(small.width)x\(small.height)")
        let half = try ImageDecoder.decode(jpeg, minWidth: 200, minHeight: 200)
        #expect(half.width == 218 && half.height == 273)
        let png = try ImageEncoder.png(image)
        let fromPNG = try ImageDecoder.decode(png, minWidth: 48, minHeight: 60)
        #expect(fromPNG.width == 55 && fromPNG.height == 69)
        let cut = #expect(throws: IndexError.self) {
            try ImageDecoder.decode(
                Array(jpeg.prefix(jpeg.count / 2)), minWidth: 48, minHeight: 60, url: "https://x/a.jpg")
        }
        #expect(cut?.code == .corrupt)
        #expect(cut?.url == "https://x/a.jpg")
    }
}
