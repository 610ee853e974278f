public import Foundation

/// Appends `utf8` (valid UTF-8) as a JSON string literal, quotes included: `"` and `\` escaped, `\n` `\r`
/// `\t` `\b` `\f` by name, every other control byte (and DEL) as `\u00XX`: the escaper of the one JSON
/// writer that does not go through `JSONEncoder` (`backstop extract --format ndjson`, bytes on a hot path;
/// see `DumpExport.writeNDJSON` in BackstopExtract), and of ``jsonString(_:)``.
///
/// Bytes ≥ 0x80 are copied as they are, so the output is valid JSON exactly when the input is valid UTF-8;
/// callers holding raw dump bytes decode them first.
///
/// ```swift
/// var out: [UInt8] = []
/// appendJSONString("say \"hi\"\n".utf8, into: &out)   // out: "say \"hi\"\n", quotes included (14 bytes)
/// ```
///
/// - Parameters:
///   - utf8: The text's UTF-8 bytes.
///   - out: The buffer the literal is appended to.
@inlinable
public func appendJSONString(_ utf8: some Sequence<UInt8>, into out: inout [UInt8]) {
    out.append(0x22)
    for byte in utf8 {
        switch byte {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(0x6E)
        case 0x0D: out.append(0x5C); out.append(0x72)
        case 0x09: out.append(0x5C); out.append(0x74)
        case 0x08: out.append(0x5C); out.append(0x62)
        case 0x0C: out.append(0x5C); out.append(0x66)
        case 0x00..<0x20, 0x7F:
            out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0xF)])
        default: out.append(byte)
        }
    }
    out.append(0x22)
}

/// The lowercase hex digit of a nibble.
@inlinable
func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

/// `text` as a JSON string literal, quotes included: `jsonString("a\tb")` is `"a\tb"` (6 characters).
/// - Parameter text: Any string; Swift strings are always valid UTF-8.
/// - Returns: The literal, ready to paste into a JSON document.
public func jsonString(_ text: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count + 2)
    appendJSONString(text.utf8, into: &out)
    return String(decoding: out, as: UTF8.self)
}

/// `value` as compact JSON text with sorted keys (`{"a":"x","b":2}`), through `JSONEncoder`: the form
/// Backstop binds to its `jsonb` columns (a run's arguments, inputs and counts; a plan's summary).
/// - Parameter value: Any `Encodable` value.
/// - Returns: The JSON text.
/// - Throws: `EncodingError` when the value cannot be encoded (a non-finite number).
public func jsonText(_ value: some Encodable) throws -> String {
    String(decoding: try JSONFiles.compactEncoder().encode(value), as: UTF8.self)
}

/// The encoders behind every JSON document Backstop writes (`plan.json`, the NDJSON files, `backstop runs
/// --json`, log lines, `jsonb` values, bench results): `JSONEncoder` with sorted keys, so the same value
/// always gives the same bytes and two files compare with `diff`, and with `/` left unescaped (URLs read
/// as URLs). Readers parse the output; none may depend on its spacing.
///
/// Key order is sorted because it is the only stable order `JSONEncoder` has: without `.sortedKeys` it
/// writes an object's keys in hash order, which changes from one process to the next.
///
/// ```swift
/// struct Line: Encodable { var kind: String; var key: String }
/// var out: [UInt8] = []
/// try JSONFiles.appendLine(Line(kind: "product.orphan", key: "100"), with: JSONFiles.compactEncoder(), into: &out)
/// // out: {"key":"100","kind":"product.orphan"}\n
/// ```
public enum JSONFiles {
    /// An encoder of compact JSON (no spaces, no line breaks): one NDJSON line, one `jsonb` value, one bench
    /// result line.
    /// - Returns: A new encoder; keep it for a whole file (encoders are cheap to reuse, not to create).
    public static func compactEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// An encoder of indented JSON (two spaces, one key a line), for documents people read whole, as
    /// `report.json` is written.
    /// - Returns: A new encoder.
    public static func prettyEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }

    /// Appends `value` as one line of NDJSON: its compact encoding and `\n`.
    /// - Parameters:
    ///   - value: The line's object.
    ///   - encoder: A ``compactEncoder()`` (a pretty one would break the line).
    ///   - out: The buffer the line is appended to.
    /// - Throws: `EncodingError` when the value cannot be encoded (a non-finite number); nothing is appended.
    public static func appendLine(_ value: some Encodable, with encoder: JSONEncoder, into out: inout [UInt8]) throws {
        out.append(contentsOf: try encoder.encode(value))
        out.append(0x0A)
    }

    /// `value` as one line of NDJSON text, newline included (a log record, a bench result, a `backstop runs
    /// --json` line).
    /// - Parameters:
    ///   - value: The line's object.
    ///   - encoder: A ``compactEncoder()``; a new one when omitted.
    /// - Returns: The compact JSON text and `\n`.
    /// - Throws: `EncodingError` when the value cannot be encoded (a non-finite number).
    public static func line(_ value: some Encodable, with encoder: JSONEncoder = compactEncoder()) throws -> String {
        var out: [UInt8] = []
        try appendLine(value, with: encoder, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
