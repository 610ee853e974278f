public import BackstopModel

/// An error from the extract stage, naming what went wrong as a ``Code`` and where it happened: the file,
/// byte offset, line, statement number and table (for dumps), or the table and row (for the catalog).
///
/// Scripts and tests match ``code``; ``message`` is for people and may change.
public struct ExtractError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// The input ends before it should: a dump without its footer or ending inside a statement, row,
        /// comment or column list, a cut gzip or zstd stream, a `--tab` file without its last LF, a
        /// mydumper folder without its finish line, a COPY stream without its trailer.
        /// ``DumpReader/Options/allowPartial`` turns exactly these into a partial end.
        case truncated
        /// An encoding or charset the reader does not take (UTF-16, `SET NAMES ucs2`), or text that is not
        /// valid in the dump's charset (with ``DumpReader/Options/strictCharset``).
        case charset
        /// Input that does not parse: a malformed statement, row, literal or COPY stream, or a folder that
        /// is neither a mydumper nor a `--tab` dump.
        case syntax
        /// A row or statement above a limit (``DumpReader/Options/maxRowBytes``, 4 GiB per row).
        case limit
        /// Rows that do not fit their table: a value count other than the column count, a `--tab` file
        /// without its CREATE TABLE, a catalog column that is missing or of an unsupported type.
        case schema
        /// A value or document that cannot be read as what it should be (a catalog field, a feed page).
        case decoding
        /// A value that cannot be written in the output format (an entity's CSV cell).
        case encoding
        /// Compressed input that cannot be decompressed: corrupt, or in a format not supported (bzip2, xz,
        /// zip).
        case compression
        /// A file or folder that cannot be opened, read, listed or written.
        case io
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, in one line, without cell values.
    public var message: String
    /// The file being read, when there is one.
    public var file: String?
    /// The byte offset in the (decompressed) input.
    public var offset: Int64?
    /// The 1-based line.
    public var line: Int?
    /// The 1-based statement number.
    public var statement: Int?
    /// The table being read.
    public var table: String?

    /// Describes a failure with as much of its location as the reader knows; readers fill every part they
    /// have, so an operator can open the file at the line.
    ///
    /// ```swift
    /// ExtractError(.truncated, "the input ends inside a string literal", file: "bitrix.sql.gz",
    ///              offset: 1_048_576_000, line: 2_210_334, statement: 4_120, table: "b_sale_basket")
    /// // bitrix.sql.gz:2210334, byte 1048576000, statement 4120, table b_sale_basket: the input ends inside …
    /// ```
    /// - Parameters:
    ///   - code: The stable code (``Code``).
    ///   - message: One line for people; name tables and offsets, never cell values.
    ///   - file: The input's path (`<stdin>` for standard input).
    ///   - offset: Byte offset in the decompressed input.
    ///   - line: 1-based line.
    ///   - statement: 1-based statement number.
    ///   - table: The table being read.
    public init(
        _ code: Code, _ message: String, file: String? = nil, offset: Int64? = nil, line: Int? = nil,
        statement: Int? = nil, table: String? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.line = line
        self.statement = statement
        self.table = table
    }

    /// `file:line: byte N, statement M, table T: message`.
    public var description: String {
        var location: [String] = []
        if let file {
            location.append(line.map { "\(file):\($0)" } ?? file)
        } else if let line {
            location.append("line \(line)")
        }
        if let offset { location.append("byte \(offset)") }
        if let statement { location.append("statement \(statement)") }
        if let table { location.append("table \(table)") }
        return location.isEmpty ? message : location.joined(separator: ", ") + ": " + message
    }
}

extension ExtractError: BackstopError {
    /// `extract`.
    public static var module: String { "extract" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
