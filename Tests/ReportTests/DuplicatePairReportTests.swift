import BackstopModel
import BackstopReport
import Foundation
import Testing

/// An `image.duplicate` pair in every machine-readable format carries its scores and the transform found
/// (`measures`), `report.json` names the verifier, and the HTML report shows the two pictures side by side
/// as inline thumbnails.
struct DuplicatePairReportTests {
    static var report: RunReport {
        let pair = Discrepancy(
            kind: .imageDuplicate, key: "668835|668976", bitrixValue: "upload/a.jpg", catalogValue: "upload/b.jpg",
            catalogNormalized: "cosine 0.812, phash 20/64 (aligned 2), ncc 0.991, scale 1.000×1.000; backstop-verify-1",
            parser: "image.verify", cause: "near_duplicate", action: "report", severity: .warning,
            measures: ["cosine": 0.812, "phash_distance": 20, "ncc": 0.9912, "first_crop_left": 0.1, "scale_x": 1])
        var histogram = SimilarityHistogram(
            label: "each product's best cosine similarity", bins: [.init(lower: 0, upper: 1, count: 2)],
            threshold: 0.5)
        histogram.verifier = "backstop-verify-1: ncc ≥ 0.95"
        histogram.candidatePairs = 3
        histogram.rejectedPairs = 2
        // Two tiny JPEG-looking payloads: the HTML report only base64-encodes them.
        histogram.thumbnails = ["668835": [0xFF, 0xD8, 0xFF, 0x01], "668976": [0xFF, 0xD8, 0xFF, 0x02]]
        return RunReport(
            run: ReportFixture.run(), stages: [], discrepancies: [pair], inputs: [:], similarity: histogram)
    }

    static func render(_ format: some ReportFormat) -> String {
        var bytes: [UInt8] = []
        format.render(report, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func ndjsonCarriesTheMeasuresWithTheKeyAscending() throws {
        let line = Self.render(NDJSONReportFormat())
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(object["key"] as? String == "668835|668976")
        let measures = try #require(object["measures"] as? [String: Any])
        #expect(measures["phash_distance"] as? Int == 20)
        #expect(measures["first_crop_left"] as? Double == 0.1)
        #expect(measures["ncc"] as? Double == 0.9912)
    }

    @Test func jsonNamesTheVerifierAndCountsCandidates() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(Self.render(JSONReportFormat()).utf8)) as? [String: Any])
        let similarity = try #require(object["similarity"] as? [String: Any])
        #expect(similarity["verifier"] as? String == "backstop-verify-1: ncc ≥ 0.95")
        #expect(similarity["candidate_pairs"] as? Int == 3)
        #expect(similarity["rejected_pairs"] as? Int == 2)
        #expect(!Self.render(JSONReportFormat()).contains("base64"))
    }

    @Test func htmlShowsBothPicturesInline() {
        let html = Self.render(HTMLReportFormat())
        #expect(html.contains("src=\"data:image/jpeg;base64,\(Data([0xFF, 0xD8, 0xFF, 0x01]).base64EncodedString())\""))
        #expect(html.contains("src=\"data:image/jpeg;base64,\(Data([0xFF, 0xD8, 0xFF, 0x02]).base64EncodedString())\""))
        #expect(html.contains("backstop-verify-1"))
    }
}
