/// Untrusted text (product names, URLs, dump values, error messages quoting them) made safe to show: every
/// character that can hide or reorder what a reader sees is replaced by its visible code point,
/// `⟨U+202E⟩`. The one function every human-facing output calls (HTML, Markdown, CSV, JUnit, the apply
/// preview in a terminal, log lines); machine outputs (NDJSON, JSON) keep the exact value, JSON-escaped.
///
/// Escaped: the C0 controls U+0000–U+001F (ESC, BEL, NUL, …), DEL U+007F, the C1 controls U+0080–U+009F,
/// the bidi embeddings and overrides U+202A–U+202E, the bidi isolates U+2066–U+2069, and the bidi marks
/// U+200E, U+200F and U+061C (ALM). "gnp.exe" written right-to-left with U+202E then reads
/// `⟨U+202E⟩gnp.exe` instead of "exe.png".
public enum SafeText {
    /// Whether `scalar` is shown escaped.
    /// - Parameter scalar: One code point.
    /// - Returns: `true` for the controls listed in the type's documentation.
    @inlinable
    public static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The text with every escaped character (``isEscaped(_:)``) replaced by `⟨U+XXXX⟩`; the text itself
    /// (no copy) when it has none.
    /// - Parameters:
    ///   - text: Untrusted text.
    ///   - keepingLineBreaks: Keep LF and CR as they are (for outputs that show or quote line breaks
    ///     themselves: HTML, Markdown's ⏎, a quoted CSV field, XML character references).
    /// - Returns: Text that shows exactly the characters it holds.
    public static func visible(_ text: String, keepingLineBreaks: Bool = false) -> String {
        func escaped(_ scalar: Unicode.Scalar) -> Bool {
            isEscaped(scalar) && !(keepingLineBreaks && (scalar == "\n" || scalar == "\r"))
        }
        guard text.unicodeScalars.contains(where: escaped) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if escaped(scalar) {
                out.append(contentsOf: "⟨U+\(hex(scalar.value))⟩".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Four (or more) upper-case hex digits.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
