/// JSON string literal for `text`, escaping quotes, backslashes and every control character.
public func jsonString(_ text: String) -> String {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    out.reserveCapacity(text.utf8.count + 2)
    appendJSONEscaped(text.utf8, to: &out)
    out.append(UInt8(ascii: "\""))
    return String(decoding: out, as: UTF8.self)
}

/// Appends the JSON-escaped bytes of a UTF-8 string (without quotes).
public func appendJSONEscaped(_ utf8: some Sequence<UInt8>, to out: inout [UInt8]) {
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    for byte in utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20, 0x7F:
            out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        default: out.append(byte)
        }
    }
}

/// A JSON array of strings.
public func jsonArray(_ items: [String]) -> String {
    "[" + items.map(jsonString).joined(separator: ",") + "]"
}
