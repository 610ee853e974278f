import BackstopIndex
import BackstopModel
import Foundation
import Testing

/// The near-duplicate verifier on constructed pairs: copies of one picture (recompressed, rescaled, cropped
/// 10 %, grayscale, PNG) pass; an adjacent region of the same scene, the same backdrop with other blooms and
/// the same picture in other colours fail. The scene is a packaged photograph (mate-backgrounds, which
/// `make setup` installs) when present, else a rendered one, so a bare clone runs the same checks.
struct DuplicateVerifierTests {
    /// The scenes pictures are cut from: a rendered garden, and Garden.jpg of mate-backgrounds when it is
    /// installed.
    static let scenes: [RGBImage] = {
        var scenes = [rendered(width: 1400, height: 800, seed: 7)]
        if let bytes = FileManager.default.contents(atPath: photo),
            let image = try? ImageDecoder.decode([UInt8](bytes), minWidth: 1200, minHeight: 600)
        {
            scenes.append(image.resized(width: 1400, height: 1400 * image.height / image.width))
        }
        return scenes
    }()

    /// The packaged photograph (mate-backgrounds).
    static let photo = "/usr/share/backgrounds/mate/nature/Garden.jpg"

    /// The scene-parameterised tests run on `scenes.indices`: without mate-backgrounds the photograph's cases
    /// are not in the list (a skip that shows), and with it installed this test fails if it cannot be used.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: photo), "needs mate-backgrounds (make setup)"))
    func theInstalledPhotographIsAScene() {
        #expect(Self.scenes.count == 2, "\(Self.photo) is installed but could not be decoded at 1200×600 or more")
    }

    /// A deterministic "photograph": a sky-to-ground gradient, many soft blobs of colour and fine grain.
    static func rendered(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var random = SplitMix64(seed: seed)
        func unit() -> Float { Float(random.next() >> 40) / Float(1 << 24) }
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let t = Float(y) / Float(height)
            for x in 0..<width {
                let index = 3 * (y * width + x)
                pixels[index] = 120 + 60 * t
                pixels[index + 1] = 150 + 40 * t
                pixels[index + 2] = 200 - 120 * t
            }
        }
        for _ in 0..<260 {
            let cx = unit() * Float(width)
            let cy = unit() * Float(height)
            let radius = 8 + unit() * 60
            let colour = (unit() * 255, unit() * 255, unit() * 255)
            let x0 = max(0, Int(cx - radius))
            let x1 = min(width - 1, Int(cx + radius))
            let y0 = max(0, Int(cy - radius))
            let y1 = min(height - 1, Int(cy + radius))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    let d = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)).squareRoot()
                    let alpha = max(0, min(1, (radius - d) / 3)) * 0.85
                    let index = 3 * (y * width + x)
                    pixels[index] += (colour.0 - pixels[index]) * alpha
                    pixels[index + 1] += (colour.1 - pixels[index + 1]) * alpha
                    pixels[index + 2] += (colour.2 - pixels[index + 2]) * alpha
                }
            }
        }
        let bytes = pixels.map { UInt8(max(0, min(255, $0 + (unit() - 0.5) * 12))) }
        return RGBImage(width: width, height: height, pixels: bytes)
    }

    /// The 435×545 product picture of the scene's region at (`x`, `y`) (fractions of the free room).
    static func region(_ x: Float, _ y: Float, of scene: RGBImage) -> RGBImage {
        let height = scene.height * 3 / 4
        let width = height * 435 / 545
        let left = Int(Float(scene.width - width) * x)
        let top = Int(Float(scene.height - height) * y)
        return scene.cropped(x: left, y: top, width: width, height: height).resized(width: 435, height: 545)
    }

    /// The fingerprint of a picture as the stage makes it: encoded, then the DCT-scaled decode.
    static func fingerprint(_ image: RGBImage, png: Bool = false, quality: Int = 90) throws -> ImageFingerprint {
        let bytes = png ? try ImageEncoder.png(image) : try ImageEncoder.jpeg(image, quality: quality)
        let size = try ImageDecoder.size(of: bytes)
        let decoded = try ImageDecoder.decode(
            bytes, minWidth: ImageFingerprint.decodeSize, minHeight: ImageFingerprint.decodeSize)
        return ImageFingerprint(decoded, width: size.width, height: size.height)
    }

    static func verdict(_ a: RGBImage, _ b: RGBImage, png: Bool = false, quality: Int = 90) throws
        -> DuplicateVerifier.Verdict
    {
        DuplicateVerifier.verify(try fingerprint(a), try fingerprint(b, png: png, quality: quality))
    }

    /// `image` with `fraction` cut from the given edges.
    static func trimmed(_ image: RGBImage, left: Float = 0, top: Float = 0, right: Float = 0, bottom: Float = 0)
        -> RGBImage
    {
        let x = Int(Float(image.width) * left)
        let y = Int(Float(image.height) * top)
        return image.cropped(
            x: x, y: y, width: image.width - x - Int(Float(image.width) * right),
            height: image.height - y - Int(Float(image.height) * bottom))
    }

    @Test(arguments: Self.scenes.indices) func copiesOfOnePicturePass(scene index: Int) throws {
        let scene = Self.scenes[index]
        let original = Self.region(0.3, 0.5, of: scene)
        let cases: [(String, RGBImage, Bool, Int)] = [
            ("recompressed q55", original, false, 55),
            ("PNG", original, true, 90),
            ("rescaled 0.45x", original.resized(width: 196, height: 245), false, 90),
            ("rescaled 1.8x", original.resized(width: 783, height: 981), false, 90),
            (
                "10 % off four edges, resized back",
                Self.trimmed(original, left: 0.1, top: 0.1, right: 0.1, bottom: 0.1).resized(width: 435, height: 545),
                false, 85
            ),
            ("10 % off the left, kept small", Self.trimmed(original, left: 0.1), false, 90),
            (
                "8 % off top and right, rescaled 0.6x",
                Self.trimmed(original, top: 0.08, right: 0.08).resized(width: 240, height: 301), false, 70
            ),
        ]
        for (name, copy, png, quality) in cases {
            let verdict = try Self.verdict(original, copy, png: png, quality: quality)
            #expect(verdict.isDuplicate, "\(name): \(verdict)")
            // And the other way round (the copy with the smaller product id).
            let reverse = DuplicateVerifier.verify(
                try Self.fingerprint(copy, png: png, quality: quality), try Self.fingerprint(original))
            #expect(reverse.isDuplicate, "\(name), reversed: \(reverse)")
        }
    }

    @Test(arguments: Self.scenes.indices) func theTransformFoundIsTheOneApplied(scene index: Int) throws {
        let scene = Self.scenes[index]
        let original = Self.region(0.6, 0.4, of: scene)
        let copy = Self.trimmed(original, left: 0.1, bottom: 0.1)
        let verdict = try Self.verdict(original, copy)
        #expect(verdict.isDuplicate)
        let crop = verdict.placement.firstCrop
        #expect(abs(crop[0] - 0.1) < 0.02 && abs(crop[3] - 0.1) < 0.02, "crop \(crop)")
        #expect(crop[1] < 0.02 && crop[2] < 0.02, "crop \(crop)")
        #expect(abs(verdict.scaleX - 1) < 0.03 && abs(verdict.scaleY - 1) < 0.03, "\(verdict.scaleX)×\(verdict.scaleY)")
    }

    @Test(arguments: Self.scenes.indices) func grayscaleCopyPasses(scene index: Int) throws {
        let scene = Self.scenes[index]
        let original = Self.region(0.5, 0.5, of: scene)
        let bytes = try ImageEncoder.jpeg(original, quality: 90, options: .grayscale)
        let decoded = try ImageDecoder.decode(
            bytes, minWidth: ImageFingerprint.decodeSize, minHeight: ImageFingerprint.decodeSize)
        let gray = ImageFingerprint(decoded, width: 435, height: 545)
        let verdict = DuplicateVerifier.verify(try Self.fingerprint(original), gray)
        #expect(verdict.isDuplicate, "\(verdict)")
        #expect(verdict.colourDifference == nil)
    }

    @Test(arguments: Self.scenes.indices) func anAdjacentRegionFails(scene index: Int) throws {
        let scene = Self.scenes[index]
        let height = scene.height * 3 / 4
        let width = height * 435 / 545
        for overlap in [0.15, 0.3] as [Float] {
            let shift = Int(Float(width) * (1 - overlap))
            let a = scene.cropped(x: 0, y: 0, width: width, height: height).resized(width: 435, height: 545)
            let b = scene.cropped(x: shift, y: 0, width: width, height: height).resized(width: 435, height: 545)
            let verdict = try Self.verdict(a, b)
            #expect(!verdict.isDuplicate, "overlap \(overlap): \(verdict)")
        }
    }

    @Test func theSameBackdropWithOtherBloomsFails() throws {
        // One backdrop (the rendered garden's gradient and grain), two different arrangements in front.
        let backdrop = Self.region(0.2, 0.2, of: Self.rendered(width: 900, height: 700, seed: 11))
        func withBlooms(_ seed: UInt64) -> RGBImage {
            let blooms = Self.rendered(width: 220, height: 260, seed: seed)
            var pixels = backdrop.pixels
            for y in 0..<260 {
                for x in 0..<220 {
                    let source = 3 * (y * 220 + x)
                    let target = 3 * ((140 + y) * 435 + 108 + x)
                    for channel in 0..<3 { pixels[target + channel] = blooms.pixels[source + channel] }
                }
            }
            return RGBImage(width: 435, height: 545, pixels: pixels)
        }
        let verdict = try Self.verdict(withBlooms(21), withBlooms(22))
        #expect(!verdict.isDuplicate, "\(verdict)")
    }

    @Test(arguments: Self.scenes.indices) func theSamePictureInOtherColoursFails(scene index: Int) throws {
        let scene = Self.scenes[index]
        let original = Self.region(0.4, 0.6, of: scene)
        var pixels = original.pixels
        // Turn the hue by 60° at the same luma (rotate Cb/Cr): the same structure in other colours.
        let (cosine, sine) = (Float(0.5), Float(0.866))
        for index in stride(from: 0, to: pixels.count, by: 3) {
            let (r, g, b) = (Float(pixels[index]), Float(pixels[index + 1]), Float(pixels[index + 2]))
            let luma = 0.299 * r + 0.587 * g + 0.114 * b
            let cb = -0.168736 * r - 0.331264 * g + 0.5 * b
            let cr = 0.5 * r - 0.418688 * g - 0.081312 * b
            let (u, v) = (cb * cosine - cr * sine, cb * sine + cr * cosine)
            pixels[index] = UInt8(max(0, min(255, luma + 1.402 * v)))
            pixels[index + 1] = UInt8(max(0, min(255, luma - 0.344136 * u - 0.714136 * v)))
            pixels[index + 2] = UInt8(max(0, min(255, luma + 1.772 * u)))
        }
        let verdict = try Self.verdict(original, RGBImage(width: 435, height: 545, pixels: pixels))
        #expect(!verdict.isDuplicate, "\(verdict)")
        #expect(verdict.rejection == "colour")
    }

    @Test(arguments: Self.scenes.indices) func perceptualHashIsStableUnderRecompressionAndFarForOtherPictures(
        scene index: Int
    ) throws {
        let scene = Self.scenes[index]
        let a = try Self.fingerprint(Self.region(0.1, 0.1, of: scene))
        let b = try Self.fingerprint(Self.region(0.1, 0.1, of: scene), quality: 60)
        let c = try Self.fingerprint(Self.region(0.9, 0.9, of: scene))
        #expect(ImageFingerprint.distance(a.hash, b.hash) <= 6)
        #expect(ImageFingerprint.distance(a.hash, c.hash) > 16)
        #expect(ImageFingerprint.distance(a.hash, a.hash) == 0)
    }
}
