import BackstopWorldGen
import Foundation
import Testing

/// The procedural bouquets: deterministic per seed, far apart across seeds, close across near-duplicates.
@Suite struct ImagesRendererTests {
    /// Decodes a written file and scales it to a common comparison size.
    static func thumbnail(_ bytes: [UInt8]) throws -> BouquetRaster {
        try WorldImageCodec.resize(WorldImageCodec.decode(bytes), width: 87, height: 109)
    }

    @Test func sameSeedGivesIdenticalPixels() {
        let first = BouquetRenderer.render(seed: 42)
        let second = BouquetRenderer.render(seed: 42)
        #expect(first == second)
        #expect(first.width == 435 && first.height == 545)
    }

    @Test func differentSeedsAreVisuallyDistinct() {
        let seeds: [UInt64] = [1, 2, 3, 4, 5, 6, 0xDEAD_BEEF, 698_868]
        let renders = seeds.map { BouquetRenderer.render(seed: $0, width: 145, height: 182) }
        var smallest = Double.infinity
        for i in 0..<renders.count {
            for j in (i + 1)..<renders.count {
                smallest = min(smallest, renders[i].meanAbsoluteDifference(to: renders[j]))
            }
        }
        #expect(smallest > 12, "closest pair of different seeds differs by only \(smallest) per channel")
    }

    @Test func picturesAreNotFlat() {
        // A bouquet has structure: many distinct colours, not one backdrop.
        let raster = BouquetRenderer.render(seed: 9)
        var colours = Set<UInt32>()
        for index in stride(from: 0, to: raster.pixels.count, by: 3 * 7) {
            colours.insert(
                UInt32(raster.pixels[index]) << 16 | UInt32(raster.pixels[index + 1]) << 8
                    | UInt32(raster.pixels[index + 2]))
        }
        #expect(colours.count > 2_000)
    }

    @Test(arguments: [3, 17, 123_456])
    func nearDuplicatesStayCloseAndOthersStayFar(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        let variants: [ImageSpec.Variant] = [
            .original, .recompressed(quality: 55), .resized(percent: 70), .cropped(percent: 5),
        ]
        var specs = variants.enumerated().map { index, variant in
            ImageSpec(path: "dup/\(index).jpg", bouquetSeed: seed, format: .jpeg, variant: variant)
        }
        specs.append(
            ImageSpec(path: "dup/png.png", bouquetSeed: seed, format: .png, variant: .recompressed(quality: 70)))
        specs.append(ImageSpec(path: "other/0.jpg", bouquetSeed: seed &+ 1, format: .jpeg))
        #expect(try WorldImages.write(specs, to: directory.url) == specs.count)

        let thumbnails = try specs.map { try Self.thumbnail(directory.bytes($0.path)) }
        let original = thumbnails[0]
        for (spec, thumbnail) in zip(specs[1..<5], thumbnails[1..<5]) where spec.variant != .cropped(percent: 5) {
            let difference = original.meanAbsoluteDifference(to: thumbnail)
            #expect(difference < 8, "\(spec.variant) differs by \(difference)")
        }
        // A crop moves every pixel, so compare it with the same region of the original.
        let full = try WorldImageCodec.decode(directory.bytes(specs[0].path))
        let region = full.cropped(x: 21, y: 27, width: 435 - 42, height: 545 - 54)
        let alignedOriginal = try WorldImageCodec.resize(region, width: 87, height: 109)
        let cropDifference = alignedOriginal.meanAbsoluteDifference(to: thumbnails[3])
        #expect(cropDifference < 8, "aligned crop differs by \(cropDifference)")
        let other = original.meanAbsoluteDifference(to: thumbnails[5])
        #expect(other > 12, "a different seed differs by only \(other)")
    }
}

/// The world's hard negatives for near-duplicate detection: look-alikes that are not copies.
@Suite struct HardNegativeRenderingTests {
    /// Another bouquet in the same setting: the rows below the blooms (paper, stems, ribbon, backdrop,
    /// grain) are the original's to the byte, the blooms differ.
    @Test(arguments: [false, true])
    func restagingKeepsTheSettingAndMovesTheBlooms(sameFlowers: Bool) {
        let seed: UInt64 = 0x00C0_FFEE
        let original = BouquetRenderer.render(seed: seed)
        let restaged = BouquetRenderer.render(
            seed: seed, restaging: .init(seed: 77, sameFlowers: sameFlowers))
        let rowBytes = original.width * 3
        let bottom = (original.height * 9 / 10 * rowBytes)..<original.pixels.count
        #expect(original.pixels[bottom] == restaged.pixels[bottom], "the setting below the blooms is unchanged")
        let top = 0..<(original.height / 2 * rowBytes)
        var difference = 0
        for index in top { difference += abs(Int(original.pixels[index]) - Int(restaged.pixels[index])) }
        let mean = Double(difference) / Double(top.count)
        #expect(mean > 6, "the blooms moved: the upper half differs by only \(mean) per channel")
    }

    /// Two views of one scene: lossless regions agree exactly on their common columns, and are different
    /// pictures (a bouquet each), whether adjacent or overlapping by 15–30 %.
    @Test(arguments: [0, 15, 30])
    func sceneRegionsShareOnlyTheirOverlap(overlap: Int) throws {
        let directory = try TemporaryDirectory()
        let sceneWidth = 2 * 435 - 435 * overlap / 100
        let specs = [0, sceneWidth - 435].enumerated().map { index, x in
            ImageSpec(
                path: "scene/\(index).png", bouquetSeed: 4242, format: .png,
                variant: .region(x: x, y: 0, width: 435, height: 545), width: sceneWidth, height: 545)
        }
        #expect(try WorldImages.write(specs, to: directory.url) == 2)
        let left = try WorldImageCodec.decode(directory.bytes(specs[0].path))
        let right = try WorldImageCodec.decode(directory.bytes(specs[1].path))
        let sizes: [Int] = [left.width, left.height, right.width, right.height]
        #expect(sizes == [435, 545, 435, 545])
        let common = 2 * 435 - sceneWidth
        if common > 0 {
            #expect(
                left.cropped(x: 435 - common, y: 0, width: common, height: 545)
                    == right.cropped(x: 0, y: 0, width: common, height: 545))
        }
        let difference = left.meanAbsoluteDifference(to: right)
        #expect(difference > 8, "two views of a scene differ by only \(difference) per channel")
    }
}

/// A fresh folder under the system temporary directory, removed on deinit.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("backstop-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: url.appendingPathComponent(path))) }
}
