import BackstopModel
import Testing

/// Byte equality of text: what sharing strings between the Bitrix and catalog sides relies on.
struct SameBytesTests {
    @Test func canonicallyEquivalentSpellingsAreNotTheSameBytes() {
        let nfc = "Пион \u{00E9}clat, long enough to be a heap string"
        let nfd = "Пион e\u{0301}clat, long enough to be a heap string"
        #expect(nfc == nfd, "Swift's == is canonical equivalence")
        #expect(!nfc.hasSameUTF8(as: nfd))
        #expect(!nfc.hasUTF8(ArraySlice(Array(nfd.utf8))))
    }

    @Test(arguments: ["", "short", "a string of more than fifteen bytes", "розы и тюльпаны в коробке"])
    func equalBytesAreTheSame(_ text: String) {
        let copy = String(decoding: Array(text.utf8), as: UTF8.self)
        #expect(text.hasSameUTF8(as: copy))
        #expect(text.hasUTF8(ArraySlice(Array(text.utf8))))
        #expect(!text.hasSameUTF8(as: copy + "x"))
        var bytes = Array(text.utf8) + [0x21]
        if !text.isEmpty { #expect(!text.hasUTF8(bytes[...].dropLast().dropLast()), "one byte short") }
        bytes.removeLast()
        #expect(text.hasUTF8(bytes[...]))
    }

    @Test func aBridgedOrNonContiguousStringIsComparedToo() {
        let substring = "xx a string of more than fifteen bytes xx".dropFirst(3).dropLast(3)
        let text = String(substring)
        #expect(text.hasSameUTF8(as: "a string of more than fifteen bytes"))
        #expect(!text.hasSameUTF8(as: "a string of more than fifteen byteS"))
    }
}
