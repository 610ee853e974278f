/// Field-by-field COPY text, for rows built straight into the buffer without an array of strings per row
/// (the merge apply stages hundreds of thousands of rows a run; a `[String?]` per row, with each integer
/// turned into a `String` first, was most of its client time).
///
/// ```swift
/// var buffer: [UInt8] = []
/// CopyText.appendInteger(42, to: &buffer)
/// CopyText.appendText(nil, after: true, to: &buffer)
/// CopyText.appendText("a\tb", after: true, to: &buffer)
/// CopyText.endRow(&buffer)
/// // buffer: the same bytes as CopyText.appendRow(["42", nil, "a\tb"], to: &buffer)
/// ```
extension CopyText {
    /// Appends an integer's decimal digits (a field of its own; no separator).
    /// - Parameters:
    ///   - value: The value.
    ///   - buffer: The COPY data being assembled.
    @inlinable
    public static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(0x2D) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            buffer.append(0x30 + UInt8(magnitude))
            return
        }
        // The digits are appended least significant first, then that run is reversed in place.
        let start = buffer.count
        while magnitude > 0 {
            buffer.append(0x30 + UInt8(magnitude % 10))
            magnitude /= 10
        }
        buffer[start...].reverse()
    }

    /// Appends a TAB (when `after` is true) and then an integer field, or `\N` for `nil`.
    /// - Parameters:
    ///   - value: The value; `nil` is SQL NULL.
    ///   - after: Whether a field precedes this one in the row.
    ///   - buffer: The COPY data being assembled.
    @inlinable
    public static func appendInteger(_ value: Int64?, after: Bool, to buffer: inout [UInt8]) {
        if after { buffer.append(0x09) }
        if let value { appendInteger(value, to: &buffer) } else { appendNull(to: &buffer) }
    }

    /// Appends a TAB (when `after` is true) and then a text field, escaped, or `\N` for `nil`.
    /// - Parameters:
    ///   - value: The value; `nil` is SQL NULL (an empty string stays empty).
    ///   - after: Whether a field precedes this one in the row.
    ///   - buffer: The COPY data being assembled.
    @inlinable
    public static func appendText(_ value: String?, after: Bool, to buffer: inout [UInt8]) {
        if after { buffer.append(0x09) }
        if let value { appendEscaped(value, to: &buffer) } else { appendNull(to: &buffer) }
    }

    /// Appends a TAB (when `after` is true) and then `t` or `f`, or `\N` for `nil`.
    /// - Parameters:
    ///   - value: The value; `nil` is SQL NULL.
    ///   - after: Whether a field precedes this one in the row.
    ///   - buffer: The COPY data being assembled.
    @inlinable
    public static func appendBool(_ value: Bool?, after: Bool, to buffer: inout [UInt8]) {
        if after { buffer.append(0x09) }
        if let value { buffer.append(value ? 0x74 : 0x66) } else { appendNull(to: &buffer) }
    }

    /// Appends `\N`, COPY text's NULL (no separator).
    /// - Parameter buffer: The COPY data being assembled.
    @inlinable
    public static func appendNull(to buffer: inout [UInt8]) {
        buffer.append(0x5C)
        buffer.append(0x4E)
    }

    /// Ends the row (a newline).
    /// - Parameter buffer: The COPY data being assembled.
    @inlinable
    public static func endRow(_ buffer: inout [UInt8]) { buffer.append(0x0A) }
}
