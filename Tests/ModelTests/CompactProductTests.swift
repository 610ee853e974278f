import BackstopModel
import Foundation
import Testing

/// The compact layout of a product (packed times, one string for the image URLs, the main image as a
/// flag) and the run-length id sets: each reads back exactly what was stored and compares as the plain
/// values did.
struct CompactProductTests {
    @Test(arguments: [
        "2025-10-25 14:03:09", "0000-00-00 00:00:00", "9999-12-31 23:59:59", "25.10.2025", "", "infinity",
        "2025-10-25T14:03:09", "2025-10-25 14:03:0x", "10000-01-01 00:00:00",
    ])
    func packedWallClockGivesBackItsText(_ text: String) {
        let packed = PackedWallClock(text)
        #expect(packed.text == text)
        let bytes = Array(text.utf8)
        let fromBytes = bytes.withUnsafeBytes { unsafe PackedWallClock(utf8: $0) }
        #expect(fromBytes == packed)
        #expect(fromBytes.text == text)
    }

    @Test func packedWallClockOrdersAsText() {
        let texts = [
            "2025-10-25 14:03:09", "2025-10-25 14:03:10", "2024-12-31 23:59:59", "25.10.2025", "2025-10-25",
            "0000-00-00 00:00:00", "infinity",
        ]
        for a in texts {
            for b in texts {
                #expect((PackedWallClock(a) < PackedWallClock(b)) == (a < b), "\(a) < \(b)")
                #expect((PackedWallClock(a) == PackedWallClock(b)) == (a == b), "\(a) == \(b)")
            }
        }
        #expect(
            PackedWallClock(year: 2025, month: 10, day: 25, hour: 3, minute: 0, second: 0)?.text
                == "2025-10-25 03:00:00")
        #expect(PackedWallClock(year: 10_000, month: 1, day: 1, hour: 0, minute: 0, second: 0) == nil)
    }

    @Test(
        arguments: [
            [], [""], ["", ""], ["https://cvety.kz/a.jpg"], ["https://cvety.kz/a.jpg", "", "https://cvety.kz/b.png"],
            ["with\u{0}nul", "https://cvety.kz/a.jpg"],
        ] as [[String]])
    func imageListGivesBackItsURLs(_ urls: [String]) {
        let list = ProductImageList(urls)
        #expect(list.urls == urls)
        #expect(list.count == urls.count)
        #expect(list.isEmpty == urls.isEmpty)
        #expect(list.first == urls.first)
        var builder = ProductImageList.Builder()
        for url in urls { builder.append(url) }
        let built = builder.finish()
        #expect(built == list)
        #expect(built.hasSameUTF8(as: list))
        #expect(built.urls == urls)
    }

    @Test func imageListsCompareAsArrays() {
        let nfc = ["https://cvety.kz/\u{00E9}.jpg", "https://cvety.kz/b.jpg"]
        let nfd = ["https://cvety.kz/e\u{0301}.jpg", "https://cvety.kz/b.jpg"]
        #expect(nfc == nfd)
        #expect(ProductImageList(nfc) == ProductImageList(nfd))
        #expect(ProductImageList(nfc).hashValue == ProductImageList(nfd).hashValue)
        #expect(!ProductImageList(nfc).hasSameUTF8(as: ProductImageList(nfd)))
        #expect(ProductImageList([]) != ProductImageList([""]))
        #expect(ProductImageList(["a", "b"]) != ProductImageList(["a\u{0}b"]))
    }

    @Test func productReadsBackItsPlainFields() throws {
        var product = CanonicalProduct(
            id: 7, name: "Розы", image: "https://cvety.kz/a.jpg",
            images: ["https://cvety.kz/a.jpg", "https://cvety.kz/b.jpg"], createdAt: "2025-10-25 14:03:09",
            updatedAt: "not a time")
        #expect(product.image == "https://cvety.kz/a.jpg")
        #expect(product.images == ["https://cvety.kz/a.jpg", "https://cvety.kz/b.jpg"])
        #expect(product.createdAt == "2025-10-25 14:03:09")
        #expect(product.updatedAt == "not a time")
        // The main image stays what it was when the list changes under it.
        product.images = ["https://cvety.kz/c.jpg"]
        #expect(product.image == "https://cvety.kz/a.jpg")
        product.image = "https://cvety.kz/c.jpg"
        product.images = []
        #expect(product.image == "https://cvety.kz/c.jpg")
        product.image = nil
        #expect(product.image == nil)
        let plain = CanonicalProduct(
            id: 7, name: "x", image: "https://cvety.kz/own.jpg", images: ["https://cvety.kz/a.jpg"])
        let same = CanonicalProduct(
            id: 7, name: "x", image: "https://cvety.kz/own.jpg", images: ["https://cvety.kz/a.jpg"])
        #expect(plain == same)
        #expect(plain.hasSameImage(as: same))
        var other = same
        other.useFirstImage()
        #expect(other.image == "https://cvety.kz/a.jpg")
        #expect(plain != other)
        // Codable writes the plain fields, as the plain struct did.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(plain), as: UTF8.self)
        #expect(
            json
                == #"{"enabled":true,"id":7,"image":"https://cvety.kz/own.jpg","images":["https://cvety.kz/a.jpg"],"name":"x"}"#
        )
        #expect(try JSONDecoder().decode(CanonicalProduct.self, from: Data(json.utf8)) == plain)
    }

    @Test(
        arguments: [
            [], [5], [1, 2, 3, 4], [1, 2, 3, 10, 11, 20], [9, 3, 3, 1, 2, 10], [2, 4, 6, 8, 10],
            [Int64.max, Int64.max - 1, Int64.min, 0],
        ] as [[Int64]])
    func idSetHoldsItsIDs(_ ids: [Int64]) {
        let set = IDSet(ids)
        let expected = Array(Set(ids)).sorted()
        #expect(set.sorted == expected)
        #expect(set.count == expected.count)
        #expect(set.min == expected.first)
        #expect(set.max == expected.last)
        for id in expected { #expect(set.contains(id)) }
        for id in [Int64.min, -1, 0, 1, 5, 7, 12, 21, Int64.max] where !expected.contains(id) {
            #expect(!set.contains(id), "\(id)")
        }
        var builder = IDSet.Builder()
        for id in ids.reversed() { builder.append(id) }
        #expect(builder.finish() == set)
    }
}
