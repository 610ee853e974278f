import BackstopExtract
import BackstopIndex
import BackstopModel
import Foundation
import Testing

/// The Cloudflare export as the worker would have written it: Vectorize metadata holds colors, occasions and
/// tags as JSON-encoded strings (absent when empty), D1 rows carry the same JSON text, deletions are listed.
@Suite struct CloudflareExportTests {
    func product(_ id: Int64, name: String, image: String?) -> CanonicalProduct {
        CanonicalProduct(
            id: id, shopID: 17008, name: name, price: Kopecks(495_000), enabled: true, image: image, images: [])
    }

    @Test func labelsReachVectorizeAndD1AndEmptyOnesStayAbsent() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = [
            CloudflareExport.Record(
                product: product(2, name: "Розы 'Red'", image: "https://cvety.kz/upload/iblock/a1b/r.jpg"),
                vector: [0.6, 0.8],
                labels: CatalogProductLabels(colors: #"["красный", "white"]"#, occasions: "null", tags: "[ ]")),
            CloudflareExport.Record(product: product(1, name: "Tulips", image: nil), vector: [1, 0]),
        ]
        let files = try CloudflareExport.write(records: records, deleteIDs: [9, 7], to: directory)
        #expect(
            files.map(\.lastPathComponent) == [
                "vectorize.ndjson", "d1-bouquets.sql", "delete-ids.txt", "d1-delete.sql",
            ])

        let vectorize = try String(contentsOf: files[0], encoding: .utf8).split(separator: "\n")
        #expect(vectorize.count == 2)
        // Parsed, never matched as text: the spacing and key order are the encoder's.
        let lines = try vectorize.map {
            try JSONDecoder().decode(CloudflareExport.VectorizeLine.self, from: Data($0.utf8))
        }
        #expect(lines[0].id == "1" && lines[0].values == [1, 0], "sorted by id")
        #expect(lines[0].metadata.isEmpty, "no labels: an empty metadata object")
        #expect(lines[1].id == "2" && lines[1].values == [0.6, 0.8])
        #expect(lines[1].metadata == ["colors": #"["красный", "white"]"#], "null and [ ] stay absent")
        let second = try #require(
            try JSONSerialization.jsonObject(with: Data(vectorize[1].utf8)) as? [String: Any])
        #expect(Set(second.keys) == ["id", "metadata", "values"], "the worker's three keys, nothing else")

        let d1 = try String(contentsOf: files[1], encoding: .utf8)
        #expect(d1.contains(#"'Розы ''Red''', 495000, 'r.jpg', '["красный", "white"]', NULL, NULL, 17008"#))
        #expect(d1.contains("colors = excluded.colors"))
        #expect(try String(contentsOf: files[2], encoding: .utf8) == "7\n9\n")
        #expect(
            try String(contentsOf: files[3], encoding: .utf8) == "DELETE FROM bouquets WHERE product_id IN (7, 9);\n")
    }
}
