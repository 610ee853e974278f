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

    /// Appends one text value escaped for COPY text, like ``appendEscaped(_:to:)-(some Sequence<UInt8>,_)``
    /// but over the string's contiguous UTF-8 at once: the runs between escaped bytes are copied whole
    /// instead of byte by byte (a byte-wise append checked the array's uniqueness for every byte; on an
    /// apply's staging rows this was a fifth of the client's time).
    /// - Parameters:
    ///   - text: The value.
    ///   - buffer: The COPY data being assembled.
    @inlinable
    public static func appendEscaped(_ text: String, to buffer: inout [UInt8]) {
        // Safety: (1) the pointer is used only inside the closure, which the string outlives; (2) every
        // index read is below `bytes.count`; (3) a non-contiguous (bridged) string takes the generic path.
        let done: Void? = unsafe text.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let escaped: UInt8
                switch unsafe bytes[i] {
                case 0x5C: escaped = 0x5C
                case 0x09: escaped = 0x74
                case 0x0A: escaped = 0x6E
                case 0x0D: escaped = 0x72
                default: continue
                }
                unsafe buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                buffer.append(0x5C)
                buffer.append(escaped)
                start = i + 1
            }
            unsafe buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        if done == nil { appendEscaped(text.utf8, to: &buffer) }
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
                appendEscaped(field, to: &buffer)
            } else {
                buffer.append(0x5C)
                buffer.append(0x4E)
            }
        }
        buffer.append(0x0A)
    }
}
