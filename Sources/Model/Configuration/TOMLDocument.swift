/// A parsed `backstop.toml`: the TOML subset Backstop's configuration uses. Supported: `[table]` and
/// `[table.sub]` headers, `key = value` with bare or quoted keys, basic `"…"` strings (with `\" \\ \n
/// \t \r \uXXXX` escapes), literal `'…'` strings, integers (with `_`), floats, booleans, single-line
/// arrays of those, and `#` comments. Anything else is an error naming the line, never ignored.
public struct TOMLDocument: Sendable, Equatable {
    /// A TOML value.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([Value])

        /// The value as written in TOML.
        public var description: String {
            switch self {
            case .string(let s): return "\"\(s)\""
            case .integer(let i): return String(i)
            case .float(let d): return String(d)
            case .boolean(let b): return String(b)
            case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    /// Values by dotted path (`catalog.url`, `bitrix.iblocks`).
    public private(set) var values: [String: Value] = [:]

    /// An error naming the file and line.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        /// The file, when known.
        public var file: String?
        /// The 1-based line.
        public var line: Int
        /// What is wrong.
        public var message: String
        /// `file:line: message`.
        public var description: String { "\(file ?? "<toml>"):\(line): \(message)" }
    }

    /// Parses TOML text.
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - file: Its path, for error messages.
    /// - Throws: ``ParseError`` naming the line of the first problem.
    public init(parsing text: String, file: String? = nil) throws(ParseError) {
        var table = ""
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var scanner = Scanner(Array(rawLine.utf8), line: lineNumber, file: file)
            scanner.skipSpaces()
            if scanner.atEndOrComment { continue }
            if scanner.peek == UInt8(ascii: "[") {
                scanner.advance()
                if scanner.peek == UInt8(ascii: "[") {
                    throw scanner.error("arrays of tables ([[…]]) are not supported")
                }
                let key = try scanner.dottedKey()
                scanner.skipSpaces()
                guard scanner.peek == UInt8(ascii: "]") else { throw scanner.error("expected ] after the table name") }
                scanner.advance()
                scanner.skipSpaces()
                guard scanner.atEndOrComment else { throw scanner.error("unexpected text after the table header") }
                table = key
                continue
            }
            let key = try scanner.dottedKey()
            scanner.skipSpaces()
            guard scanner.peek == UInt8(ascii: "=") else { throw scanner.error("expected = after the key \(key)") }
            scanner.advance()
            scanner.skipSpaces()
            let value = try scanner.value()
            scanner.skipSpaces()
            guard scanner.atEndOrComment else { throw scanner.error("unexpected text after the value of \(key)") }
            let path = table.isEmpty ? key : table + "." + key
            guard values[path] == nil else { throw scanner.error("duplicate key \(path)") }
            values[path] = value
        }
    }

    /// The value at a dotted path.
    public subscript(_ path: String) -> Value? { values[path] }
}

private struct Scanner {
    let bytes: [UInt8]
    var index = 0
    let line: Int
    let file: String?

    init(_ bytes: [UInt8], line: Int, file: String?) {
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        self.bytes = bytes
        self.line = line
        self.file = file
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    mutating func advance() { index += 1 }
    var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }

    mutating func skipSpaces() {
        while let b = peek, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { advance() }
    }

    func error(_ message: String) -> TOMLDocument.ParseError {
        TOMLDocument.ParseError(file: file, line: line, message: message)
    }

    mutating func dottedKey() throws(TOMLDocument.ParseError) -> String {
        var parts: [String] = []
        repeat {
            skipSpaces()
            if peek == UInt8(ascii: ".") { advance(); skipSpaces() }
            if peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "'") {
                guard case .string(let s) = try value() else { throw error("bad quoted key") }
                parts.append(s)
            } else {
                let start = index
                while let b = peek, isBareKeyByte(b) { advance() }
                guard index > start else { throw error("expected a key") }
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
            }
            skipSpaces()
        } while peek == UInt8(ascii: ".")
        return parts.joined(separator: ".")
    }

    func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    mutating func value() throws(TOMLDocument.ParseError) -> TOMLDocument.Value {
        guard let first = peek else { throw error("expected a value") }
        switch first {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"):
            advance()
            let start = index
            while let b = peek, b != UInt8(ascii: "'") { advance() }
            guard peek != nil else { throw error("unterminated literal string") }
            let s = String(decoding: bytes[start..<index], as: UTF8.self)
            advance()
            return .string(s)
        case UInt8(ascii: "["):
            advance()
            var items: [TOMLDocument.Value] = []
            while true {
                skipSpaces()
                if peek == UInt8(ascii: "]") { advance(); break }
                guard peek != nil else { throw error("unterminated array (arrays must be on one line)") }
                items.append(try value())
                skipSpaces()
                if peek == UInt8(ascii: ",") { advance(); continue }
                skipSpaces()
                guard peek == UInt8(ascii: "]") else {
                    throw error("expected , or ] in the array (arrays must be on one line)")
                }
            }
            return .array(items)
        default:
            let start = index
            while let b = peek, b != UInt8(ascii: ","), b != UInt8(ascii: "]"), b != UInt8(ascii: " "),
                b != UInt8(ascii: "\t"), b != UInt8(ascii: "#")
            {
                advance()
            }
            let word = String(decoding: bytes[start..<index], as: UTF8.self)
            if word == "true" { return .boolean(true) }
            if word == "false" { return .boolean(false) }
            let digits = word.replacingUnderscores()
            if let i = Int64(digits) { return .integer(i) }
            if let d = Double(digits), digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                return .float(d)
            }
            throw error("cannot read the value \(word.isEmpty ? "(empty)" : word) (strings need quotes)")
        }
    }

    mutating func basicString() throws(TOMLDocument.ParseError) -> String {
        advance()
        var out: [UInt8] = []
        while let b = peek {
            advance()
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard let e = peek else { break }
            advance()
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count,
                    let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { throw error("bad \\u escape") }
                index += 4
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw error("unknown escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        throw error("unterminated string")
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(self.filter { $0 != "_" }) }
}
