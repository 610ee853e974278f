import BackstopModel
import Testing

/// ``SafeText``: every control character and bidi override is shown as its code point, nothing else moves.
@Suite struct SafeTextTests {
    /// Every code point the function must escape: C0, DEL, C1, the bidi marks, embeddings, overrides and
    /// isolates.
    static let escaped: [UInt32] =
        Array(0x00...0x1F) + Array(0x7F...0x9F) + [0x061C, 0x200E, 0x200F] + Array(0x202A...0x202E)
        + Array(0x2066...0x2069)

    @Test func everyControlCharacterIsShownAsItsCodePoint() throws {
        for value in Self.escaped {
            let scalar = try #require(Unicode.Scalar(value))
            let text = "a" + String(Character(scalar)) + "b"
            let shown = SafeText.visible(text)
            let hex = String(value, radix: 16, uppercase: true)
            let expected = "a⟨U+" + String(repeating: "0", count: 4 - hex.count) + hex + "⟩b"
            #expect(shown == expected, "U+\(hex)")
            #expect(SafeText.isEscaped(scalar))
            #expect(!shown.unicodeScalars.contains { SafeText.isEscaped($0) }, "nothing raw is left for U+\(hex)")
        }
    }

    @Test func everyOtherCodePointIsKeptAsItIs() {
        let escaped = Set(Self.escaped)
        var kept = 0
        for value in UInt32(0)...0x10FFFF where !escaped.contains(value) {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            #expect(!SafeText.isEscaped(scalar), "U+\(String(value, radix: 16))")
            kept += 1
        }
        #expect(kept == 0x110000 - 2048 - escaped.count)
        let text = "Розы «красные» 🌹 e\u{301} שלום zero\u{200B}width"
        #expect(SafeText.visible(text) == text, "letters, combining marks, RTL letters and emoji are not controls")
    }

    @Test func theReversedFileNameReadsInStoredOrder() {
        #expect(SafeText.visible("photo\u{202E}gnp.exe") == "photo⟨U+202E⟩gnp.exe")
        #expect(SafeText.visible("\u{1B}[31mred\u{7}") == "⟨U+001B⟩[31mred⟨U+0007⟩")
    }

    @Test func lineBreaksAreKeptOnlyWhenAsked() {
        #expect(SafeText.visible("a\nb\r\tc") == "a⟨U+000A⟩b⟨U+000D⟩⟨U+0009⟩c")
        #expect(SafeText.visible("a\nb\r\tc", keepingLineBreaks: true) == "a\nb\r⟨U+0009⟩c")
    }
}
