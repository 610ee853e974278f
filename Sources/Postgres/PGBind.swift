/// One bound parameter: its wire bytes and whether they are text or binary.
///
/// Values reach the server separately from the SQL text (`PQexecParams`), so no value is ever quoted or
/// escaped into a statement. Conform a type to ``PGEncodable`` rather than building binds by hand.
public struct PGBind: Sendable, Hashable {
    /// The encoded value (without a terminating NUL).
    public var bytes: [UInt8]
    /// `true` when `bytes` is PostgreSQL binary format (used for `bytea`).
    public var isBinary: Bool
    /// The parameter's type OID, or 0 to let the server infer it (text values, so enum columns work).
    public var typeOID: UInt32

    /// A parameter in PostgreSQL's text format (what `psql` would print for the value).
    /// - Parameters:
    ///   - text: The value's text; sent as UTF-8 without a terminating NUL.
    ///   - typeOID: The parameter type, 0 to let the server infer it from the context (needed for enum
    ///     columns, whose OIDs differ per database).
    public init(text: String, typeOID: UInt32 = 0) {
        self.bytes = Array(text.utf8)
        self.isBinary = false
        self.typeOID = typeOID
    }

    /// A parameter in PostgreSQL's binary format (bytes sent as they are, no escaping).
    /// - Parameters:
    ///   - binary: The value's binary representation.
    ///   - typeOID: The parameter type; 17 (`bytea`) by default.
    public init(binary: [UInt8], typeOID: UInt32 = 17) {
        self.bytes = binary
        self.isBinary = true
        self.typeOID = typeOID
    }
}

/// A Swift value that can be bound as a query parameter: what makes `\(value)` legal inside a ``PGQuery``.
///
/// A conformance is one property (a sketch: Backstop itself binds `kopecks.value`):
///
/// ```swift
/// extension Kopecks: PGEncodable {
///     public var pgBind: PGBind { value.pgBind }   // bound as int8, like every money column
/// }
/// ```
public protocol PGEncodable: Sendable {
    /// The parameter for this value.
    var pgBind: PGBind { get }
}

extension String: PGEncodable {
    /// Text format.
    public var pgBind: PGBind { PGBind(text: self) }
}

extension Substring: PGEncodable {
    /// Text format.
    public var pgBind: PGBind { PGBind(text: String(self)) }
}

extension Int: PGEncodable {
    /// Decimal text, typed `int8`.
    public var pgBind: PGBind { PGBind(text: String(self), typeOID: 20) }
}

extension Int64: PGEncodable {
    /// Decimal text, typed `int8`.
    public var pgBind: PGBind { PGBind(text: String(self), typeOID: 20) }
}

extension Int32: PGEncodable {
    /// Decimal text, typed `int4`.
    public var pgBind: PGBind { PGBind(text: String(self), typeOID: 23) }
}

extension Double: PGEncodable {
    /// Shortest round-trip text, typed `float8`.
    public var pgBind: PGBind { PGBind(text: "\(self)", typeOID: 701) }
}

extension Float: PGEncodable {
    /// Shortest round-trip text, typed `float4`.
    public var pgBind: PGBind { PGBind(text: "\(self)", typeOID: 700) }
}

extension Bool: PGEncodable {
    /// `t` or `f`, typed `bool`.
    public var pgBind: PGBind { PGBind(text: self ? "t" : "f", typeOID: 16) }
}

/// Bytes bound as `bytea` in binary format.
public struct PGBytes: PGEncodable, Hashable {
    /// The raw bytes.
    public var bytes: [UInt8]
    /// Wraps raw bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    /// Binary format.
    public var pgBind: PGBind { PGBind(binary: bytes) }
}

/// A JSON document bound as text (cast it in SQL: `\(PGJSON(text))::jsonb`). Exists so that a JSON
/// value reads as one at the call site; the text is not validated here, the server's cast does that.
public struct PGJSON: PGEncodable, Hashable {
    /// The JSON text.
    public var text: String
    /// Wraps JSON text.
    public init(_ text: String) { self.text = text }
    /// Text format.
    public var pgBind: PGBind { PGBind(text: text) }
}

extension Array: PGEncodable where Element: PGEncodable {
    /// A PostgreSQL array literal in text format (`{"a","b"}`), each element quoted with `"` and `\`
    /// escaped, sent untyped: cast it in SQL (`\(ids)::bigint[]`). An optional element cannot be NULL here;
    /// an empty array is `{}`.
    public var pgBind: PGBind {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (i, element) in enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.pgBind.bytes {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return PGBind(text: String(decoding: bytes, as: UTF8.self))
    }
}
