/// A SQL statement whose interpolated values become bound parameters (`$1`, `$2`, …), never SQL text.
///
/// ```swift
/// let query: PGQuery = "SELECT id FROM product WHERE shop_id = \(shopID) AND enabled = \(true)"
/// ```
///
/// A query is a list of pieces: SQL text, bound values and the pieces of the fragments interpolated or
/// appended into it. Text is kept as written and never scanned; the `$n` placeholders are numbered once,
/// from the bound values' positions, when the query is rendered for execution (``rendered()``). So a
/// `--` comment holding a quote, an `E'\''` string or a `$tag$ … $1 … $tag$` body in a fragment cannot
/// shift or swallow a placeholder.
///
/// Identifiers (tables, columns) go through ``PGIdentifier`` and are quoted; raw SQL text has to be
/// spelled ``init(unsafeSQL:)``.
public struct PGQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// One piece of a query.
    enum Piece: Sendable {
        /// SQL text, kept verbatim.
        case text(String)
        /// A bound value (`nil` is SQL NULL), rendered as the next `$n`.
        case bind(PGBind?)
    }

    /// The pieces in order (a fragment's pieces are spliced in where it was interpolated).
    private(set) var pieces: [Piece]

    /// A query from trusted SQL text with no parameters: the one way to run text that is not a literal
    /// (a statement read from a file, a name chosen from a fixed list). The name makes every such call
    /// easy to find in review.
    ///
    /// - warning: Never build `sql` from data; interpolate values instead.
    /// - Parameter sql: The statement text, used verbatim.
    public init(unsafeSQL sql: String) {
        pieces = sql.isEmpty ? [] : [.text(sql)]
    }

    /// A query from a literal with no interpolations (`let q: PGQuery = "SELECT 1"`); a literal is
    /// written in the source, so it is trusted text.
    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    /// A query from an interpolated literal: each ``PGEncodable`` value becomes a parameter, each
    /// ``PGIdentifier`` quoted text, each ``PGQuery`` its pieces.
    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
    }

    /// The SQL text with its `$n` placeholders, as executed.
    public var sql: String { rendered().sql }

    /// The bound values in placeholder order (`$1` first); `nil` is SQL NULL.
    public var binds: [PGBind?] {
        pieces.compactMap { piece in
            if case .bind(let bind) = piece { return .some(bind) }
            return nil
        }
    }

    /// The SQL text (parameter values are not shown).
    public var description: String { sql }

    /// The SQL text with `$1…$n` in bind order and the bound values, numbered in one pass.
    ///
    /// ```swift
    /// var query: PGQuery = "SELECT id FROM product WHERE shop_id = \(7)"
    /// query.append(" AND id > \(1000)")
    /// query.rendered().sql   // "SELECT id FROM product WHERE shop_id = $1 AND id > $2"
    /// ```
    ///
    /// - Returns: The text as sent to the server and the values for `$1`, `$2`, … (`nil` is SQL NULL).
    public func rendered() -> (sql: String, binds: [PGBind?]) {
        var sql = ""
        var binds: [PGBind?] = []
        for piece in pieces {
            switch piece {
            case .text(let text): sql += text
            case .bind(let bind):
                binds.append(bind)
                sql += "$\(binds.count)"
            }
        }
        return (sql, binds)
    }

    /// Builds the pieces of a ``PGQuery``.
    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        /// Reserves space for the pieces (at most a text and a value per interpolation, plus the tail).
        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(2 * interpolationCount + 1)
        }

        /// Appends literal SQL text.
        public mutating func appendLiteral(_ literal: String) {
            guard !literal.isEmpty else { return }
            if case .text(let text)? = pieces.last {
                pieces[pieces.count - 1] = .text(text + literal)
            } else {
                pieces.append(.text(literal))
            }
        }

        /// Appends a bound parameter, rendered as the next `$n`.
        public mutating func appendInterpolation(_ value: some PGEncodable) {
            pieces.append(.bind(value.pgBind))
        }

        /// Appends a bound parameter that may be NULL: `nil` is bound as SQL NULL, so compare it with
        /// `IS NOT DISTINCT FROM` rather than `=` when NULL should match NULL.
        public mutating func appendInterpolation(_ value: (some PGEncodable)?) {
            pieces.append(.bind(value?.pgBind))
        }

        /// Appends a quoted identifier (a table or column name).
        public mutating func appendInterpolation(_ identifier: PGIdentifier) {
            appendLiteral(identifier.quoted)
        }

        /// Appends another query: its text and its bound values, numbered with this query's when it runs.
        public mutating func appendInterpolation(_ fragment: PGQuery) {
            for piece in fragment.pieces {
                if case .text(let text) = piece { appendLiteral(text) } else { pieces.append(piece) }
            }
        }
    }

    /// Appends another query (its text and bound values) to this one: how a statement is built in parts
    /// (a `WHERE` clause only when a filter is set) without renumbering anything by hand.
    /// - Parameter other: The fragment; its values keep their order after this query's.
    public mutating func append(_ other: PGQuery) {
        var interpolation = StringInterpolation(literalCapacity: 0, interpolationCount: 0)
        interpolation.pieces = pieces
        interpolation.appendInterpolation(other)
        pieces = interpolation.pieces
    }
}

/// A SQL identifier (schema, table or column), always emitted double-quoted with `"` doubled.
///
/// For names that come from data (a table named in a dump, a configured schema): interpolated into a
/// ``PGQuery`` it becomes quoted text, never a parameter (PostgreSQL cannot bind names). Quoting keeps the
/// name's case: `PGIdentifier("Product")` is `"Product"`, not `product`.
public struct PGIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The parts of a possibly qualified name, e.g. `["backstop", "run"]`.
    public var parts: [String]

    /// Names a possibly qualified object from its parts (`PGIdentifier("backstop", "run")` is
    /// `"backstop"."run"`).
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
