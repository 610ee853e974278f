import BackstopIndex
import BackstopModel
import Foundation
import Testing

/// The colour-blind candidate source: a grayscale copy, whose colour/edge descriptor lands far from the
/// original's, keeps its luma hash within ``DuplicateCandidates/maxLumaHashDistance`` bits (so the pair
/// reaches the verifier), while another region of the same scene stays far; the all-pairs search returns
/// exactly the close pairs, smaller id first, in order.
struct DuplicateCandidatesTests {
    /// The luma hash of `image` as the image pass computes it: the descriptor's decode (48×60 at least).
    static func lumaHash(_ image: RGBImage, grayscale: Bool = false, quality: Int = 90) throws -> UInt64 {
        let bytes = try ImageEncoder.jpeg(image, quality: quality, options: grayscale ? .grayscale : [])
        let decoded = try ImageDecoder.decode(
            bytes, minWidth: ImageDescriptor.decodeSize.width, minHeight: ImageDescriptor.decodeSize.height)
        return ImageFingerprint.lumaHash(decoded)
    }

    @Test(arguments: DuplicateVerifierTests.scenes.indices) func aGrayscaleCopyIsACandidateAndAnotherRegionIsNot(
        scene index: Int
    ) throws {
        let scene = DuplicateVerifierTests.scenes[index]
        let original = DuplicateVerifierTests.region(0.3, 0.4, of: scene)
        let colour = try Self.lumaHash(original)
        let gray = try Self.lumaHash(original, grayscale: true, quality: 70)
        let bytes = try ImageEncoder.jpeg(original, quality: 70, options: .grayscale)
        #expect(ImageFingerprint.lumaKey(try ImageDecoder.decode(bytes, minWidth: 48, minHeight: 60)).grayscale)
        #expect(!ImageFingerprint.lumaKey(original).grayscale)
        let smaller = try Self.lumaHash(original.resized(width: 300, height: 376), grayscale: true)
        let other = try Self.lumaHash(DuplicateVerifierTests.region(0.9, 0.9, of: scene))
        #expect(ImageFingerprint.distance(colour, gray) <= DuplicateCandidates.maxLumaHashDistance / 2)
        #expect(ImageFingerprint.distance(colour, smaller) <= DuplicateCandidates.maxLumaHashDistance / 2)
        #expect(ImageFingerprint.distance(colour, other) > DuplicateCandidates.maxLumaHashDistance)
        let pairs = DuplicateCandidates.lumaPairs([30: colour, 10: gray, 20: other], grayscale: [10])
        #expect(pairs.map { "\($0.first)|\($0.second)" } == ["10|30"])
    }

    /// Only a picture without colour is a grayscale probe: the scene's exact gray is, the same gray with a
    /// faint tint (mean chroma ≈ 0.01, like the palest bouquets of the s world, which the 0.02 of
    /// `backstop-verify-1` flagged) is not.
    @Test func onlyAColourlessPictureIsAGrayscaleProbe() throws {
        let scene = try #require(DuplicateVerifierTests.scenes.first)
        let original = DuplicateVerifierTests.region(0.3, 0.4, of: scene)
        var gray = original
        var pale = original
        for index in stride(from: 0, to: original.pixels.count, by: 3) {
            let r = Int(original.pixels[index])
            let g = Int(original.pixels[index + 1])
            let b = Int(original.pixels[index + 2])
            let y = UInt8(min(253, max(2, (299 * r + 587 * g + 114 * b) / 1000)))
            for channel in 0..<3 { gray.pixels[index + channel] = y }
            pale.pixels[index] = y + 1
            pale.pixels[index + 1] = y
            pale.pixels[index + 2] = y - 1
        }
        #expect(ImageFingerprint.lumaKey(gray).grayscale)
        #expect(!ImageFingerprint.lumaKey(pale).grayscale)
        #expect(ImageFingerprint(pale).colourfulness < 0.02, "pale enough for the old threshold")
        #expect(ImageFingerprint.distance(ImageFingerprint.lumaHash(gray), ImageFingerprint.lumaHash(pale)) <= 2)
    }

    @Test func theSearchReturnsEveryPairWithinTheDistanceInOrder() {
        // Bits flipped from one base: ids 1...6 at 0, 1, 12, 13, 40 and 2 bits from it.
        let base: UInt64 = 0x0123_4567_89AB_CDEF
        func flipped(_ bits: Int) -> UInt64 { bits == 0 ? base : base ^ (UInt64.max >> UInt64(64 - bits)) }
        let hashes: [Int64: UInt64] = [
            6: flipped(2), 1: flipped(0), 4: flipped(13), 2: flipped(1), 3: flipped(12), 5: flipped(40),
        ]
        let pairs = DuplicateCandidates.lumaPairs(hashes, maxDistance: 12)
        #expect(
            pairs.map { "\($0.first)|\($0.second):\($0.distance)" } == [
                "1|2:1", "1|3:12", "1|6:2", "2|3:11", "2|4:12", "2|6:1", "3|4:1", "3|6:10", "4|6:11",
            ])
        // Only pairs with a grayscale picture: 3 alone, then 3 and 4 (their pair once).
        #expect(
            DuplicateCandidates.lumaPairs(hashes, grayscale: [3], maxDistance: 12).map { "\($0.first)|\($0.second)" }
                == ["1|3", "2|3", "3|4", "3|6"])
        #expect(
            DuplicateCandidates.lumaPairs(hashes, grayscale: [3, 4], maxDistance: 12).map { "\($0.first)|\($0.second)" }
                == ["1|3", "2|3", "2|4", "3|4", "3|6", "4|6"])
        #expect(DuplicateCandidates.lumaPairs(hashes, grayscale: [], maxDistance: 12).isEmpty)
        #expect(DuplicateCandidates.lumaPairs([:]).isEmpty)
        #expect(DuplicateCandidates.lumaPairs([7: base]).isEmpty)
    }
}
