import Foundation

/// Text normalisation shared by every comparison: Unicode NFC, NBSP/U+202F/thin space and runs of
/// whitespace become one space, ends are trimmed. Case is kept.
public enum TextNormalizer {
    /// The normalised form of `text`.
    public static func normalized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var ascii = true
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{00A0}"
                || scalar == "\u{202F}" || scalar == "\u{2009}"
            {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            if !scalar.isASCII { ascii = false }
            out.append(scalar)
        }
        let spaced = String(out)
        return ascii ? spaced : spaced.precomposedStringWithCanonicalMapping
    }

    /// Whether two texts are equal after normalisation (without building strings for equal ASCII text).
    public static func equal(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return a == b || normalized(a) == normalized(b)
        default: return false
        }
    }
}
