/// An error from the extract stage, naming where it happened: the file, byte offset, line, statement
/// number and table (for dumps), or the table and row (for the catalog).
public struct ExtractError: Error, CustomStringConvertible, Sendable {
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

    /// Creates an error.
    public init(_ message: String, file: String? = nil, offset: Int64? = nil, line: Int? = nil, statement: Int? = nil, table: String? = nil) {
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
        if let file { location.append(line.map { "\(file):\($0)" } ?? file) } else if let line { location.append("line \(line)") }
        if let offset { location.append("byte \(offset)") }
        if let statement { location.append("statement \(statement)") }
        if let table { location.append("table \(table)") }
        return location.isEmpty ? message : location.joined(separator: ", ") + ": " + message
    }
}
