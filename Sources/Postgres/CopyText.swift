/// PostgreSQL `COPY … FROM STDIN` text format: TAB between columns, `\N` for NULL, newline after the row.
///
/// ```swift
/// var buffer: [UInt8] = []
/// CopyText.appendRow(["42", nil, "a\tb"], to: &buffer)
/// // buffer: 4 2 TAB \ N TAB a \ t b LF (the separators raw, the value's own TAB escaped)
/// ```
public enum CopyText {
    /// Appends one field's value escaped for COPY text: backslash, TAB, LF and CR become `\\` `\t` `\n`
    /// `\r`; every other byte goes through as is. No separator.
    @inlinable
    public static func appendEscaped(_ utf8: some Sequence<UInt8>, to buffer: inout [UInt8]) {
        for byte in utf8 {
            switch byte {
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x09: buffer.append(0x5C); buffer.append(0x74)
            case 0x0A: buffer.append(0x5C); buffer.append(0x6E)
            case 0x0D: buffer.append(0x5C); buffer.append(0x72)
            default: buffer.append(byte)
            }
        }
    }

    /// Appends one row: fields separated by TAB, `\N` for NULL, then a newline.
    /// - Parameters:
    ///   - fields: The row's values in the COPY statement's column order; `nil` is SQL NULL (an empty
    ///     string stays an empty string).
    ///   - buffer: The COPY data being assembled.
    public static func appendRow(_ fields: [String?], to buffer: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { buffer.append(0x09) }
            if let field {
                appendEscaped(field.utf8, to: &buffer)
            } else {
                buffer.append(0x5C)
                buffer.append(0x4E)
            }
        }
        buffer.append(0x0A)
    }
}
