import BackstopModel
import BackstopTestSupport
import Foundation
import Testing

@testable import BackstopExtract

/// The product API price/dimension parsers and page reader on the inputs upstream's webhook mangles.
struct FeedParserTests {
    @Test(
        arguments: [
            ("4 950 ₸", 495_000),
            ("4\u{00A0}950\u{00A0}₸", 495_000),
            ("4\u{202F}950 ₸", 495_000),
            ("от 4 950 ₸", 495_000),
            ("От 12 990 KZT", 1_299_000),
            ("4950 kzt", 495_000),
            ("4950,50", 495_050),
            ("4950.5", 495_050),
            ("4 950,50 ₸", 495_050),
            ("4,950", 495_000),
            ("1.500 тг.", 150_000),
            ("1,234,567.89", 123_456_789),
            ("1.234.567,89", 123_456_789),
            ("0 ₸", 0),
            ("4950.500", 495_050),
            ("15000", 1_500_000),
        ] as [(String, Int64)])
    func priceParses(_ text: String, _ kopecks: Int64) {
        #expect(MoneyText.kopecks(text) == .success(Kopecks(kopecks)))
    }

    @Test(
        arguments: [
            ("", ValueTextFailure.empty),
            (" ₸ ", .empty),
            ("от 4 950 до 6 000 ₸", .range),
            ("4950-6000", .range),
            ("4950.505", .tooManyFractionDigits),
            ("49,50,0", .badGrouping),
            ("цена договорная", .notANumber),
            ("-100", .negative),
            ("99999999999999999999", .overflow),
            ("4950$", .notANumber),
        ] as [(String, ValueTextFailure)])
    func priceFails(_ text: String, _ failure: ValueTextFailure) {
        #expect(MoneyText.kopecks(text) == .failure(failure))
    }

    @Test(
        arguments: [
            ("70 см", 70), ("70см", 70), ("70", 70), ("70.5", 70), ("70,9 см", 70), ("70\u{00A0}см", 70), ("70 cm", 70),
            ("0", 0),
        ] as [(String, Int)])
    func dimensionParses(_ text: String, _ cm: Int) {
        #expect(DimensionText.centimetres(text) == .success(cm))
    }

    @Test(
        arguments: [
            ("70-80 см", ValueTextFailure.range), ("70–80 см", .range), ("см", .empty), ("семьдесят", .notANumber),
            ("1,000,5", .notANumber),
        ] as [(String, ValueTextFailure)])
    func dimensionFails(_ text: String, _ failure: ValueTextFailure) {
        #expect(DimensionText.centimetres(text) == .failure(failure))
    }

    static let page = """
        {"success": true, "data": [
          {"id": 698868, "title": "Розы\\u00a0101", "price": "от 4\\u00a0950,50 ₸", "isAvailable": true,
           "image": "https://cvety.kz/upload/resize_cache/iblock/a1b/h/435_545_2/x.jpg",
           "images": ["https://cvety.kz/upload/iblock/a1b/x.jpg", "https://cvety.kz/upload/iblock/a1b/y.jpg"],
           "createdAt": "2025-04-24T17:01:07+0500", "type": "vitrina", "width": "40", "height": "50 см",
           "catalogWidth": "70 см", "catalogHeight": "80 см"},
          {"id": "698869", "title": "Каталог", "price": 4950.5, "type": "catalog", "catalogWidth": "70-80 см",
           "catalogHeight": 60.9, "width": false, "createdAt": "2025-04-24T12:01:07Z", "images": []},
          {"title": "no id", "price": "1 ₸"},
          {"id": 698870, "title": "bad", "price": "договорная", "isAvailable": false, "type": "bouquet", "createdAt": "yesterday"}
        ], "pagination": {"total": 2828, "limit": 50, "offset": 0, "hasMore": true}}
        """

    @Test func pageReadsProductsAndReportsProblems() throws {
        let page = try ProductFeed().parsePage(Data(Self.page.utf8))
        #expect(page.total == 2828)
        #expect(page.hasMore == true)
        #expect(
            page.products == [
                CanonicalProduct(
                    id: 698868, name: "Розы\u{00A0}101", price: Kopecks(495_050), enabled: true, type: .vitrina,
                    width: 40, height: 50,
                    image: "https://cvety.kz/upload/resize_cache/iblock/a1b/h/435_545_2/x.jpg",
                    images: ["https://cvety.kz/upload/iblock/a1b/x.jpg", "https://cvety.kz/upload/iblock/a1b/y.jpg"],
                    createdAt: "2025-04-24 17:01:07"),
                CanonicalProduct(
                    id: 698869, name: "Каталог", price: Kopecks(495_050), enabled: true, type: .catalog, width: nil,
                    height: 60,
                    createdAt: "2025-04-24 17:01:07"),
                CanonicalProduct(id: 698870, name: "bad", price: nil, enabled: false),
            ])
        let problems = page.problems.map { "\($0.key ?? "")/\($0.field ?? ""): \($0.rawValue ?? "")" }
        #expect(
            problems == [
                "698869/isAvailable: ",
                "698869/catalogWidth: 70-80 см",
                "#2/id: ",
                "698870/price: договорная",
                "698870/type: bouquet",
                "698870/createdAt: yesterday",
            ])
    }

    @Test func readerWalksPagesAndRejectsBrokenOnes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("page-1.json")
        let second = dir.appendingPathComponent("page-2.json")
        try Data(Self.page.utf8).write(to: first)
        try Data(#"{"success": true, "data": [{"id": 1, "title": "t", "price": "1 ₸", "isAvailable": true}]}"#.utf8)
            .write(to: second)
        let reader = ProductFeedReader(files: [first, second], logger: TestDatabase.quietLogger)
        var ids: [Int64] = []
        while let product = try reader.next() { ids.append(product.id) }
        #expect(ids == [698868, 698869, 698870, 1])
        #expect(reader.problems.count == 6)

        let broken = dir.appendingPathComponent("broken.json")
        try Data(#"{"success": false, "data": []}"#.utf8).write(to: broken)
        #expect(throws: ExtractError.self) {
            try ProductFeedReader(files: [broken], logger: TestDatabase.quietLogger).next()
        }
    }
}
