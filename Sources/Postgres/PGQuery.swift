/// A SQL statement whose interpolated values become bound parameters (`$1`, `$2`, …), never SQL text.
///
/// ```swift
/// let query: PGQuery = "SELECT id FROM product WHERE shop_id = \(shopID) AND enabled = \(true)"
/// ```
///
/// Identifiers (tables, columns) go through ``PGIdentifier`` and are quoted; raw SQL text has to be
/// spelled ``init(unsafeSQL:)``.
public struct PGQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$n` placeholders.
    public private(set) var sql: String
    /// The bound values, in placeholder order; `nil` is SQL NULL.
    public private(set) var binds: [PGBind?]

    /// Creates a query from trusted SQL text with no parameters.
    ///
    /// - warning: Never build `sql` from data; interpolate values instead.
    public init(unsafeSQL sql: String, binds: [PGBind?] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// Creates a query from a literal with no interpolations.
    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    /// Creates a query from an interpolated literal; each value becomes a parameter.
    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The SQL text (parameter values are not shown).
    public var description: String { sql }

    /// Builds the SQL text and the bind list of a ``PGQuery``.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PGBind?] = []

        /// Reserves space for the literal.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        /// Appends literal SQL text.
        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Appends a bound parameter.
        public mutating func appendInterpolation(_ value: some PGEncodable) {
            binds.append(value.pgBind)
            sql += "$\(binds.count)"
        }

        /// Appends a bound parameter that may be NULL.
        public mutating func appendInterpolation(_ value: (some PGEncodable)?) {
            binds.append(value?.pgBind)
            sql += "$\(binds.count)"
        }

        /// Appends a quoted identifier (a table or column name).
        public mutating func appendInterpolation(_ identifier: PGIdentifier) {
            sql += identifier.quoted
        }

        /// Appends another query, renumbering its parameters.
        public mutating func appendInterpolation(_ fragment: PGQuery) {
            sql += PGQuery.renumber(fragment.sql, offset: binds.count)
            binds.append(contentsOf: fragment.binds)
        }
    }

    /// Appends another query (with its parameters) to this one.
    public mutating func append(_ other: PGQuery) {
        sql += PGQuery.renumber(other.sql, offset: binds.count)
        binds.append(contentsOf: other.binds)
    }

    /// Shifts `$n` placeholders outside quotes by `offset`.
    static func renumber(_ sql: String, offset: Int) -> String {
        guard offset > 0 else { return sql }
        var out = [UInt8]()
        out.reserveCapacity(sql.utf8.count + 8)
        var quote: UInt8? = nil
        let bytes = Array(sql.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if let q = quote {
                out.append(b)
                if b == q { quote = nil }
                i += 1
                continue
            }
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                quote = b
                out.append(b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "$"), i + 1 < bytes.count, (0x30...0x39).contains(bytes[i + 1]) {
                var j = i + 1
                var n = 0
                while j < bytes.count, (0x30...0x39).contains(bytes[j]) {
                    n = n * 10 + Int(bytes[j] - 0x30)
                    j += 1
                }
                out.append(contentsOf: "$\(n + offset)".utf8)
                i = j
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A SQL identifier (schema, table or column), always emitted double-quoted with `"` doubled.
public struct PGIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The parts of a possibly qualified name, e.g. `["backstop", "run"]`.
    public var parts: [String]

    /// Creates an identifier from its parts (`PGIdentifier("backstop", "run")`).
    public init(_ parts: String...) { self.parts = parts }

    /// The quoted form, e.g. `"backstop"."run"`.
    public var quoted: String {
        parts.map { "\"" + $0.replacingAll("\"", with: "\"\"") + "\"" }.joined(separator: ".")
    }

    /// The quoted form.
    public var description: String { quoted }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for ch in self {
            if ch == target { out += replacement } else { out.append(ch) }
        }
        return out
    }
}
