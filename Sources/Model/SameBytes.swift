/// Byte equality of text, for sharing one string between equal values without changing what either side
/// holds.
///
/// `==` on `String` is canonical equivalence (an NFD spelling equals its NFC one), so code that shares a
/// string between the Bitrix and catalog sides, or interns repeated values, must compare bytes instead.
/// `String.UTF8View.elementsEqual` does that through the generic `Sequence` path, one index step at a time:
/// on the catalog read it was a third of the client's CPU. These compare contiguous storage directly.
extension String {
    /// Whether `other` holds exactly the same UTF-8 bytes.
    /// - Parameter other: The string to compare with.
    /// - Returns: `true` for byte-identical text (canonically equivalent spellings are not).
    @inlinable
    public func hasSameUTF8(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let fast = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in UnsafeRawBufferPointer(a).elementsEqual(b) }
        }
        if let fast, let fast { return fast }
        return utf8.elementsEqual(other.utf8)
    }

    /// Whether this string's UTF-8 bytes are exactly `bytes`.
    /// - Parameter bytes: The bytes to compare with.
    /// - Returns: `true` when they are the same bytes.
    @inlinable
    public func hasUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard utf8.count == bytes.count else { return false }
        let fast = utf8.withContiguousStorageIfAvailable { a in
            bytes.withUnsafeBufferPointer { b in UnsafeRawBufferPointer(a).elementsEqual(UnsafeRawBufferPointer(b)) }
        }
        if let fast { return fast }
        return utf8.elementsEqual(bytes)
    }
}
