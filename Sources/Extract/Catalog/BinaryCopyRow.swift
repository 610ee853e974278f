// @safe: the accessors check lengths and copy values out; `bytes(_:)`, the one member handing out a
// pointer, is @unsafe.
/// One tuple of a binary COPY stream, valid only until the reader decodes the next one (inside a
/// ``CatalogReader/rows(_:source:fields:decode:)`` closure): never store it or a buffer taken from it.
///
/// Accessors check the field's length against the type's size and throw ``ExtractError`` naming the
/// field and tuple, so a query whose column types drift from the decoder fails loudly.
///
/// ```swift
/// let cursor = try reader.rows("SELECT id, name, price FROM product", source: "product", fields: 3) { row, _ in
///     (id: try row.required(0, row.integer), name: row.string(1) ?? "", price: try row.integer(2))
/// }
/// ```
@safe public struct BinaryCopyRow {
    /// The buffer the tuple lies in (a libpq message or the reader's carry buffer).
    @usableFromInline let base: UnsafeRawBufferPointer
    /// Each field's offset in ``base``.
    @usableFromInline let starts: UnsafeBufferPointer<Int>
    /// Each field's length, -1 for NULL.
    @usableFromInline let lengths: UnsafeBufferPointer<Int32>
    /// Safe because a row only exists inside the reader's `next` closure, while the reader is alive;
    /// `unowned(unsafe)` saves the unowned retain/release pair per row that `unowned` costs.
    unowned(unsafe) let reader: BinaryCopyReader

    /// Whether a field is SQL NULL.
    @inlinable @inline(__always)
    public func isNull(_ field: Int) -> Bool { unsafe lengths[field] < 0 }

    /// The raw bytes of a field, or `nil` for NULL.
    /// - warning: Do not escape the buffer: it is valid until the reader's next row.
    @unsafe @inlinable @inline(__always)
    public func bytes(_ field: Int) -> UnsafeRawBufferPointer? {
        let length = unsafe Int(lengths[field])
        guard length >= 0 else { return nil }
        // Safe because `scanTuple` checked `starts[field] + length <= base.count` for every field of this
        // tuple, and a tuple is never empty (it holds at least its field count), so `base` has an address.
        return unsafe UnsafeRawBufferPointer(start: base.baseAddress.unsafelyUnwrapped + starts[field], count: length)
    }

    /// An error naming the field, the tuple number and the source.
    public func failure(_ field: Int, _ message: String) -> ExtractError {
        ExtractError(
            .decoding, unsafe "field \(field) of tuple \(reader.tupleNumber): \(message)", table: unsafe reader.source)
    }

    /// The offset of a fixed-size field after checking its length is `size` (NULL is `nil`): the one
    /// type check behind every numeric accessor.
    @usableFromInline @inline(__always)
    func fixed(_ field: Int, size: Int, type: String) throws -> Int? {
        let length = unsafe Int(lengths[field])
        guard length >= 0 else { return nil }
        guard length == size else { throw failure(field, "\(length) bytes for a \(type)") }
        return unsafe starts[field]
    }

    /// An `int2`, or `nil` for NULL.
    /// - Parameter field: The column index.
    /// - Returns: The value, `nil` for NULL.
    /// - Throws: ``ExtractError`` `decoding` when the field is not 2 bytes (the query's column has another type).
    @inlinable @inline(__always)
    public func int16(_ field: Int) throws -> Int16? {
        guard let at = try fixed(field, size: 2, type: "int2") else { return nil }
        return unsafe Int16(bitPattern: base.loadBigEndianUInt16(at: at))
    }

    /// An `int4`, or `nil` for NULL.
    /// - Parameter field: The column index.
    /// - Returns: The value, `nil` for NULL.
    /// - Throws: ``ExtractError`` `decoding` when the field is not 4 bytes (the query's column has another type).
    @inlinable @inline(__always)
    public func int32(_ field: Int) throws -> Int32? {
        guard let at = try fixed(field, size: 4, type: "int4") else { return nil }
        return unsafe Int32(bitPattern: base.loadBigEndianUInt32(at: at))
    }

    /// An `int8`, or `nil` for NULL.
    /// - Parameter field: The column index.
    /// - Returns: The value, `nil` for NULL.
    /// - Throws: ``ExtractError`` `decoding` when the field is not 8 bytes (the query's column has another type).
    @inlinable @inline(__always)
    public func int64(_ field: Int) throws -> Int64? {
        guard let at = try fixed(field, size: 8, type: "int8") else { return nil }
        return unsafe Int64(bitPattern: base.loadBigEndianUInt64(at: at))
    }

    /// A `float4`, or `nil` for NULL.
    /// - Parameter field: The column index.
    /// - Returns: The value, `nil` for NULL.
    /// - Throws: ``ExtractError`` `decoding` when the field is not 4 bytes (the query's column has another type).
    @inlinable @inline(__always)
    public func float32(_ field: Int) throws -> Float? {
        guard let at = try fixed(field, size: 4, type: "float4") else { return nil }
        return unsafe Float(bitPattern: base.loadBigEndianUInt32(at: at))
    }

    /// A `bool`, or `nil` for NULL.
    /// - Parameter field: The column index.
    /// - Returns: The value, `nil` for NULL.
    /// - Throws: ``ExtractError`` `decoding` when the field is not 1 byte (the query's column has another type).
    @inlinable @inline(__always)
    public func bool(_ field: Int) throws -> Bool? {
        guard let at = try fixed(field, size: 1, type: "bool") else { return nil }
        return unsafe base[at] != 0
    }

    /// A `timestamp`/`timestamptz` as microseconds since 2000-01-01 00:00:00 (UTC for timestamptz),
    /// or `nil` for NULL. ±infinity arrive as `Int64.max`/`Int64.min`.
    ///
    /// Turn it into wall-clock text with `CatalogTimestamp.text(micros:)`; no `Date` is made per row.
    /// - Parameter field: The column index.
    /// - Returns: Microseconds since 2000-01-01, `nil` for NULL.
    /// - Throws: ``ExtractError`` `decoding` when the field is not 8 bytes.
    @inlinable @inline(__always)
    public func timestampMicros(_ field: Int) throws -> Int64? {
        guard let at = try fixed(field, size: 8, type: "timestamp") else { return nil }
        return unsafe Int64(bitPattern: base.loadBigEndianUInt64(at: at))
    }

    /// A text-like field (`text`, `varchar`, an enum, whose binary form is its label) as a `String`,
    /// or `nil` for NULL. One allocation for more than 15 bytes, none below (small-string form).
    /// - Parameter field: The column index.
    /// - Returns: The text (invalid UTF-8 repaired with U+FFFD, which a UTF-8 database never sends).
    @inlinable @inline(__always)
    public func string(_ field: Int) -> String? {
        guard let raw = unsafe bytes(field) else { return nil }
        return unsafe String(decoding: raw, as: UTF8.self)
    }

    /// An enum field (or any label column) matched against `labels` without making a `String`:
    /// `.known(case)`, `.unknown(label)` for a label this build lacks, or `nil` for NULL.
    @inline(__always)
    func label<T>(_ field: Int, in labels: EnumLabels<T>) -> EnumLabels<T>.Match? {
        guard let raw = unsafe bytes(field) else { return nil }
        return unsafe labels.match(raw)
    }

    /// An integer field of any width (int2/int4/int8 by length), or `nil` for NULL.
    ///
    /// The accessor the readers use for id and money columns: upstream's ids are `integer` today, and a
    /// migration to `bigint` must not break the read, so the width comes from the field's length (2, 4
    /// or 8 bytes) rather than from the query.
    /// - Parameter field: The column index.
    /// - Returns: The value, widened to 64 bits.
    /// - Throws: ``ExtractError`` `decoding` for any other length (a `numeric` or text column).
    @inlinable @inline(__always)
    public func integer(_ field: Int) throws -> Int64? {
        let at = unsafe starts[field]
        switch unsafe lengths[field] {
        case 4: return unsafe Int64(Int32(bitPattern: base.loadBigEndianUInt32(at: at)))
        case 8: return unsafe Int64(bitPattern: base.loadBigEndianUInt64(at: at))
        case -1: return nil
        case 2: return unsafe Int64(Int16(bitPattern: base.loadBigEndianUInt16(at: at)))
        default: throw failure(field, unsafe "\(lengths[field]) bytes for an integer")
        }
    }

    /// A one-dimensional array, calling `element` with each element's bytes (`nil` for NULL elements).
    ///
    /// Binary array format: int32 ndim, int32 has-nulls flag, int32 element type OID, then per dimension
    /// int32 size and int32 lower bound, then per element int32 length (-1 = NULL) and its bytes.
    /// - Parameters:
    ///   - field: The column index.
    ///   - element: Called once per element in order; the buffer is valid only for the call.
    /// - Returns: `false` for a NULL array (and `element` is never called), `true` otherwise (an empty
    ///   array has zero dimensions and calls nothing).
    /// - Throws: ``ExtractError`` for a multi-dimensional or truncated array, or what `element` throws.
    public func array(_ field: Int, _ element: (UnsafeRawBufferPointer?) throws -> Void) throws -> Bool {
        guard let raw = unsafe bytes(field) else { return false }
        guard raw.count >= 12 else { throw failure(field, "array header is truncated") }
        let dimensions = unsafe Int32(bitPattern: raw.loadBigEndianUInt32(at: 0))
        if dimensions == 0 { return true }
        guard dimensions == 1 else { throw failure(field, "array has \(dimensions) dimensions, expected 1") }
        guard raw.count >= 20 else { throw failure(field, "array header is truncated") }
        let count = unsafe Int(Int32(bitPattern: raw.loadBigEndianUInt32(at: 12)))
        var position = 20
        for _ in 0..<count {
            guard raw.count - position >= 4 else { throw failure(field, "array element is truncated") }
            let length = unsafe Int(Int32(bitPattern: raw.loadBigEndianUInt32(at: position)))
            position += 4
            if length < 0 {
                try element(nil)
                continue
            }
            guard raw.count - position >= length else { throw failure(field, "array element is truncated") }
            try unsafe element(UnsafeRawBufferPointer(rebasing: raw[position..<(position + length)]))
            position += length
        }
        return true
    }

    /// A `text[]`/`varchar[]` (NULL elements kept as `nil`), or `nil` for a NULL array.
    public func stringArray(_ field: Int) throws -> [String?]? {
        var out: [String?] = []
        guard try unsafe array(field, { unsafe out.append($0.map { unsafe String(decoding: $0, as: UTF8.self) }) })
        else { return nil }
        return out
    }

    /// An integer array (`int2[]`, `int4[]`, `int8[]` by element size); NULL elements are an error.
    public func integerArray(_ field: Int) throws -> [Int64]? {
        var out: [Int64] = []
        let present = try unsafe array(field) { element in
            guard let element = unsafe element else { throw failure(field, "NULL element in an integer array") }
            switch element.count {
            case 2: unsafe out.append(Int64(Int16(bitPattern: element.loadBigEndianUInt16(at: 0))))
            case 4: unsafe out.append(Int64(Int32(bitPattern: element.loadBigEndianUInt32(at: 0))))
            case 8: unsafe out.append(Int64(bitPattern: element.loadBigEndianUInt64(at: 0)))
            default: throw failure(field, "\(element.count)-byte integer array element")
            }
        }
        return present ? out : nil
    }

    /// A `bool[]`; NULL elements are an error.
    public func boolArray(_ field: Int) throws -> [Bool]? {
        var out: [Bool] = []
        let present = try unsafe array(field) { element in
            guard let element = unsafe element, element.count == 1 else {
                throw failure(field, "bad bool array element")
            }
            unsafe out.append(element[0] != 0)
        }
        return present ? out : nil
    }

    /// A `real[]` (`float4[]`); NULL elements are an error.
    public func floatArray(_ field: Int) throws -> [Float]? {
        var out: [Float] = []
        let present = try unsafe array(field) { element in
            guard let element = unsafe element, element.count == 4 else {
                throw failure(field, "bad real array element")
            }
            unsafe out.append(Float(bitPattern: element.loadBigEndianUInt32(at: 0)))
        }
        return present ? out : nil
    }
}
