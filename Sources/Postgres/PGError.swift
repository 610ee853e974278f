import Foundation

/// An error from PostgreSQL or libpq, with the SQLSTATE, the server's message and detail, and the SQL
/// that failed. Bound parameter values are never part of the description.
public struct PGError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in broad terms.
    public enum Kind: String, Sendable {
        /// The connection could not be opened or was lost.
        case connection
        /// The server rejected a statement.
        case statement
        /// A COPY stream failed.
        case copy
        /// A value could not be decoded into the requested Swift type.
        case decoding
        /// The database is not in the state Backstop needs (e.g. migrations not applied).
        case state
    }

    /// The broad kind of failure.
    public var kind: Kind
    /// The five-character SQLSTATE, when the server sent one (e.g. `23505`).
    public var sqlState: String?
    /// The primary message (libpq's or the server's).
    public var message: String
    /// The server's DETAIL line, when present.
    public var detail: String?
    /// The SQL text that failed, when there was one.
    public var sql: String?

    /// Creates an error.
    public init(_ kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, sql: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.sql = sql
    }

    /// A message written for operators: kind, SQLSTATE, message, detail and a shortened SQL.
    public var description: String {
        var text = "PostgreSQL \(kind.rawValue) error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        if let sql {
            let oneLine = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
            text += " - while executing `\(oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine)`"
        }
        return text
    }
}
