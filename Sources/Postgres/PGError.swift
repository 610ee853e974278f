public import BackstopModel
import Foundation

/// An error from PostgreSQL or libpq, with the SQLSTATE, the server's message and detail, and the SQL
/// that failed. Bound parameter values are never part of the description.
public struct PGError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in broad terms: a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
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

    /// What went wrong, for scripts and tests (`error[pg.<code>]`).
    public var code: Code
    /// The five-character SQLSTATE, when the server sent one (e.g. `23505`).
    public var sqlState: String?
    /// The primary message (libpq's or the server's).
    public var message: String
    /// The server's DETAIL line, when present.
    public var detail: String?
    /// The SQL text that failed, when there was one.
    public var sql: String?

    /// Describes a failure of libpq or the server.
    /// - Parameters:
    ///   - code: What went wrong, in broad terms.
    ///   - message: The primary message (libpq's or the server's).
    ///   - sqlState: The five-character SQLSTATE, when the server sent one.
    ///   - detail: The server's DETAIL line.
    ///   - sql: The SQL text that failed.
    public init(_ code: Code, message: String, sqlState: String? = nil, detail: String? = nil, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.sql = sql
    }

    /// A message written for operators: code, SQLSTATE, message, detail and a shortened SQL.
    public var description: String {
        var text = "PostgreSQL \(code.rawValue) error"
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

extension PGError: BackstopError {
    /// `pg`.
    public static var module: String { "pg" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
