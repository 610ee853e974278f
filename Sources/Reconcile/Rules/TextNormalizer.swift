import Foundation

/// Text normalisation shared by every comparison: Unicode NFC, NBSP/U+202F/thin space and runs of
/// whitespace become one space, ends are trimmed. Case is kept.
///
/// It decides what counts as "the same name": a rename is reported only when the normalised texts differ,
/// so a webhook that turned a NBSP into a space or decomposed `й` is not a finding, while `Розы` versus
/// `розы` is.
///
/// ```swift
/// TextNormalizer.normalized("  Pink\u{00A0}\u{00A0}roses\n")   // "Pink roses"
/// TextNormalizer.equal("Пион", "Пион ")                            // true
/// ```
public enum TextNormalizer {
    /// The normalised form of `text`, shown beside the raw value in reports.
    /// - Parameter text: Any text.
    /// - Returns: The text with whitespace collapsed and trimmed, in NFC (ASCII text skips the NFC pass).
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

    /// Whether two texts are equal after normalisation (without building strings for identical text).
    /// - Parameters:
    ///   - a: One side, `nil` when absent.
    ///   - b: The other side.
    /// - Returns: `true` when both are absent or both normalise to the same text; absent never equals
    ///   present, not even the empty string.
    public static func equal(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return a == b || normalized(a) == normalized(b)
        default: return false
        }
    }
}
