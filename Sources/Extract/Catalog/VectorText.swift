/// The text form of a pgvector `vector`: `[1,2.5,-3e-05]` (pgvector's `vector_out`; spaces tolerated).
///
/// How pgvector embeddings arrive (`embedding::text`); the catalog reader keeps a malformed one as an
/// empty vector with a ``ParseProblem``, never as zeros.
///
/// ```swift
/// VectorText.parse("[1, 2.5, -3e-05]")   // [1.0, 2.5, -3.0e-05]
/// VectorText.parse("[]")                 // []
/// VectorText.parse("[1,,2]")             // nil
/// VectorText.parse("[NaN]")              // nil
/// ```
public enum VectorText {
    /// Parses a vector literal from its bytes.
    ///
    /// - Parameter bytes: The literal's UTF-8 bytes.
    /// - Returns: the components, `[]` for `[]`, or `nil` when the text is not a vector literal (missing
    ///   brackets, empty or non-numeric components, NaN/infinity, which pgvector rejects too).
    public static func parse(_ bytes: some Collection<UInt8>) -> [Float]? {
        var values: [Float] = []
        var token: [UInt8] = []
        token.reserveCapacity(24)
        var state = 0  // 0 before '[', 1 inside, 2 after ']'
        var sawComma = false
        for byte in bytes {
            switch state {
            case 0:
                if byte == UInt8(ascii: "[") { state = 1 } else if !isSpace(byte) { return nil }
            case 1:
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") {
                    if token.isEmpty {
                        // `[]` is the only place an empty component is allowed.
                        guard byte == UInt8(ascii: "]"), values.isEmpty, !sawComma else { return nil }
                    } else {
                        guard let value = component(token) else { return nil }
                        values.append(value)
                        token.removeAll(keepingCapacity: true)
                    }
                    if byte == UInt8(ascii: "]") { state = 2 } else { sawComma = true }
                } else if isSpace(byte) {
                    continue
                } else {
                    token.append(byte)
                }
            default:
                if !isSpace(byte) { return nil }
            }
        }
        return state == 2 ? values : nil
    }

    /// Parses a vector literal from a string.
    /// - Parameter text: The literal.
    /// - Returns: The components, or `nil` when the text is not a vector literal.
    public static func parse(_ text: String) -> [Float]? { parse(text.utf8) }

    /// ASCII whitespace, which pgvector's parser skips around components.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    /// One component as a finite `Float`, or `nil`.
    private static func component(_ token: [UInt8]) -> Float? {
        // Only number characters: Float(String) would also accept "nan", "inf" and hex floats.
        for byte in token {
            let ok =
                byte &- UInt8(ascii: "0") < 10 || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            guard ok else { return nil }
        }
        guard let value = Float(String(decoding: token, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }
}
