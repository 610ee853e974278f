import BackstopWorldGen
import Foundation
import Testing

@Suite struct ImagesWriteTests {
    static let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47]

    @Test func writesEveryVariantWithTheRightFormatAndSize() throws {
        let directory = try TemporaryDirectory()
        let specs = [
            ImageSpec(path: "upload/iblock/a1b/orig.jpg", bouquetSeed: 1, format: .jpeg),
            ImageSpec(path: "upload/iblock/a1b/orig.png", bouquetSeed: 2, format: .png),
            ImageSpec(path: "cache/q40.jpg", bouquetSeed: 1, format: .jpeg, variant: .recompressed(quality: 40)),
            ImageSpec(path: "cache/half.jpg", bouquetSeed: 1, format: .jpeg, variant: .resized(percent: 50)),
            ImageSpec(path: "cache/crop.png", bouquetSeed: 1, format: .png, variant: .cropped(percent: 10)),
            ImageSpec(path: "small.jpg", bouquetSeed: 3, format: .jpeg, width: 120, height: 150),
        ]
        #expect(try WorldImages.write(specs, to: directory.url) == specs.count)

        let expected: [(magic: [UInt8], width: Int, height: Int)] = [
            (Self.jpegMagic, 435, 545), (Self.pngMagic, 435, 545), (Self.jpegMagic, 435, 545),
            (Self.jpegMagic, 218, 273), (Self.pngMagic, 349, 437), (Self.jpegMagic, 120, 150),
        ]
        for (spec, expectation) in zip(specs, expected) {
            let bytes = try directory.bytes(spec.path)
            #expect(bytes.starts(with: expectation.magic), "\(spec.path)")
            let raster = try WorldImageCodec.decode(bytes)
            let size = [raster.width, raster.height]
            #expect(size == [expectation.width, expectation.height], "\(spec.path)")
        }
        // Lower quality, fewer bytes.
        #expect(try directory.bytes(specs[2].path).count < directory.bytes(specs[0].path).count)
    }

    @Test func sameSpecsGiveIdenticalBytes() throws {
        let specs = (0..<6).map { (index: Int) -> ImageSpec in
            let format: ImageSpec.Format = index % 2 == 0 ? .jpeg : .png
            let variant: ImageSpec.Variant = index == 5 ? .corrupt : .original
            return ImageSpec(
                path: "d/\(index).\(format.rawValue)", bouquetSeed: UInt64(index * 7919), format: format,
                variant: variant, width: 200, height: 250)
        }
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        _ = try WorldImages.write(specs, to: first.url)
        _ = try WorldImages.write(specs.reversed(), to: second.url)
        for spec in specs { #expect(try first.bytes(spec.path) == second.bytes(spec.path), "\(spec.path)") }
    }

    @Test func corruptFilesNeverDecode() throws {
        let directory = try TemporaryDirectory()
        let specs = (0..<40).map { index in
            let format: ImageSpec.Format = index % 3 == 0 ? .png : .jpeg
            return ImageSpec(
                path: "bad/\(index).\(format == .png ? "png" : "jpg")", bouquetSeed: UInt64(index), format: format,
                variant: .corrupt, width: 160, height: 200)
        }
        _ = try WorldImages.write(specs, to: directory.url)
        var kinds = Set<String>()
        for spec in specs {
            let bytes = try directory.bytes(spec.path)
            #expect(throws: WorldImageCodec.Failure.self, "\(spec.path)") { try WorldImageCodec.decode(bytes) }
            let isHTML = bytes.starts(with: Array("<!DOCTYPE".utf8))
            kinds.insert(bytes.isEmpty ? "empty" : isHTML ? "html" : "binary")
        }
        #expect(kinds.isSuperset(of: ["html", "binary"]), "\(kinds)")
    }

    @Test func invalidSpecsNameTheirPath() throws {
        let directory = try TemporaryDirectory()
        let cases = [
            ImageSpec(path: "../escape.jpg", bouquetSeed: 1, format: .jpeg),
            ImageSpec(path: "/abs.jpg", bouquetSeed: 1, format: .jpeg),
            ImageSpec(path: "q.jpg", bouquetSeed: 1, format: .jpeg, variant: .recompressed(quality: 0)),
            ImageSpec(path: "c.jpg", bouquetSeed: 1, format: .jpeg, variant: .cropped(percent: 50)),
            ImageSpec(path: "z.jpg", bouquetSeed: 1, format: .jpeg, width: 0, height: 10),
        ]
        for spec in cases {
            let error = try #require(throws: WorldGenError.self) { try WorldImages.write([spec], to: directory.url) }
            #expect(error.message.hasPrefix("images/\(spec.path): "), "\(error.message)")
        }
    }

    /// Keeps a contact sheet of renderings for a human to look at (`BACKSTOP_IMAGE_SAMPLES=/some/dir`), and
    /// checks that every sample is a decodable PNG of the default size.
    @Test(
        .enabled(
            if: !(ProcessInfo.processInfo.environment["BACKSTOP_IMAGE_SAMPLES"] ?? "").isEmpty,
            "set BACKSTOP_IMAGE_SAMPLES=/some/dir to keep renderings to look at"))
    func samplesForEyeballing() throws {
        let path = try #require(ProcessInfo.processInfo.environment["BACKSTOP_IMAGE_SAMPLES"])
        let specs = (0..<12).map { ImageSpec(path: "sample-\($0).png", bouquetSeed: UInt64($0), format: .png) }
        #expect(try WorldImages.write(specs, to: URL(fileURLWithPath: path)) == specs.count)
        var distinct = Set<[UInt8]>()
        for spec in specs {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent(spec.path)))
            #expect(bytes.starts(with: Self.pngMagic), "\(spec.path)")
            let raster = try WorldImageCodec.decode(bytes)
            #expect(raster.width == 435 && raster.height == 545, "\(spec.path)")
            distinct.insert(bytes)
        }
        #expect(distinct.count == specs.count, "every seed renders a different bouquet")
    }
}

/// Opt-in throughput measurement: `BACKSTOP_IMAGE_BENCH=1000 swift test -c release --filter ImagesThroughput`.
/// It measures (printed, never timed against a target) and checks what the numbers rest on: every image
/// written, and the default PNG compression no larger than the fast one.
@Suite struct ImagesThroughputTests {
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["BACKSTOP_IMAGE_BENCH"].flatMap { Int($0) } != nil,
            "set BACKSTOP_IMAGE_BENCH=<count> to measure images per second"))
    func imagesPerSecond() throws {
        let count = try #require(ProcessInfo.processInfo.environment["BACKSTOP_IMAGE_BENCH"].flatMap { Int($0) })
        let directory = try TemporaryDirectory()
        // Roughly the world's mix: mostly JPEG originals, some PNG, 10% near-duplicates, 2% corrupt.
        let specs = (0..<count).map { (index: Int) -> ImageSpec in
            let variant: ImageSpec.Variant =
                index % 50 == 0 ? .corrupt : index % 10 == 1 ? .resized(percent: 80) : .original
            let seed = UInt64(index % 10 == 1 ? index - 1 : index)
            let format: ImageSpec.Format = index % 7 == 3 ? .png : .jpeg
            return ImageSpec(path: "b/\(index).\(format.rawValue)", bouquetSeed: seed, format: format, variant: variant)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let written = try WorldImages.write(specs, to: directory.url)
        let seconds = (clock.now - start) / .seconds(1)
        #expect(written == count)
        let rate = Double(written) / seconds
        print(
            "WorldImages.write: \(written) images in \(seconds) s = \(Int(rate)) images/s "
                + "(\(ProcessInfo.processInfo.activeProcessorCount) cores)")

        let single = clock.now
        for seed in 0..<50 { _ = BouquetRenderer.render(seed: UInt64(seed)) }
        let renderMs = (clock.now - single) / .milliseconds(1) / 50
        print("BouquetRenderer.render 435x545: \(renderMs) ms per image (one thread)")
        let raster = BouquetRenderer.render(seed: 1)
        let encodeStart = clock.now
        for _ in 0..<50 { _ = try WorldImageCodec.jpeg(raster, quality: 90) }
        let jpegMs = (clock.now - encodeStart) / .milliseconds(1) / 50
        let pngStart = clock.now
        var pngBytes = 0
        for _ in 0..<10 { pngBytes = try WorldImageCodec.png(raster).count }
        let pngMs = (clock.now - pngStart) / .milliseconds(1) / 10
        let slowStart = clock.now
        let slowBytes = try WorldImageCodec.png(raster, fast: false).count
        let slowMs = (clock.now - slowStart) / .milliseconds(1)
        #expect(pngBytes > 0 && slowBytes > 0 && slowBytes <= pngBytes, "default compression is no larger than fast")
        print(
            "JPEG q90 encode: \(jpegMs) ms; PNG encode: \(pngMs) ms (\(pngBytes) bytes) fast, "
                + "\(slowMs) ms (\(slowBytes) bytes) default, per image (one thread)")
    }
}
