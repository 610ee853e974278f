import BackstopPostgres

// @safe: it owns its carry buffer, and the rows it hands out read through it only until the next call.
/// Decodes the rows of a `COPY … TO STDOUT WITH (FORMAT binary)` stream, one at a time.
///
/// Why binary rather than text COPY: integers and timestamps arrive as fixed-size big-endian fields (no
/// number parsing), text needs no unescaping, and enum labels arrive as their bytes.
///
/// The format (PostgreSQL docs, "COPY → Binary Format"): an 11-byte signature `PGCOPY\n\377\r\n\0`, an
/// int32 flags field, an int32 header-extension length and that many bytes; then per tuple an int16
/// field count followed by, for each field, an int32 length (-1 = NULL) and that many bytes; a field
/// count of -1 ends the data. All integers are big-endian.
///
/// The server sends one CopyData message per tuple (the header rides in front of the first one), so the
/// fast path decodes a tuple in place inside the message libpq hands over. Messages that hold several
/// tuples or only part of one are handled by copying into a carry buffer.
///
/// Pull-style, without closures: ``nextRow()`` returns a row that stays valid until the next call.
@safe final class BinaryCopyReader {
    /// Where messages come from: a libpq COPY, or (tests) a closure returning whole messages.
    private enum Messages {
        /// libpq's CopyData messages, each valid until the next.
        case copy(PGCopyOutCursor)
        /// Whole messages from a closure, copied so they live until the next call.
        case closure(() throws -> [UInt8]?)
    }

    /// The message source.
    private let messages: Messages
    /// The table (or query) being read, for error messages.
    let source: String
    /// The number of fields every tuple must have.
    let fieldCount: Int
    /// Whether the 19-byte header (plus its extension) was consumed.
    private var headerRead = false
    /// Whether the trailer (field count -1) was read.
    private var ended = false
    /// Bytes not consumed yet, `carry[carryStart..<carryEnd]` (only on the slow path). Raw memory, so a
    /// row can point into it until the next call.
    private var carry: UnsafeMutableRawPointer
    /// The carry allocation's size; grows ×2, never shrinks.
    private var carryCapacity = 0
    /// The first unconsumed carry byte.
    private var carryStart = 0
    /// One past the last carry byte.
    private var carryEnd = 0
    /// The current message of a closure source.
    private var ownedMessage: UnsafeMutableRawBufferPointer?
    /// Field starts and lengths of the current tuple, reused between tuples. Raw buffers (allocated once,
    /// freed in deinit) rather than arrays: no uniqueness checks, retains or exclusivity bookkeeping per field.
    private let starts: UnsafeMutableBufferPointer<Int>
    /// Each field's length, -1 for NULL.
    private let lengths: UnsafeMutableBufferPointer<Int32>
    /// 1-based number of the tuple being decoded.
    private(set) var tupleNumber = 0

    /// Reads from a libpq COPY cursor.
    convenience init(cursor: PGCopyOutCursor, source: String, fieldCount: Int) {
        self.init(messages: .copy(cursor), source: source, fieldCount: fieldCount)
    }

    /// Reads messages from a closure (tests split streams at arbitrary points with it).
    convenience init(source: String, fieldCount: Int, messages: @escaping () throws -> [UInt8]?) {
        self.init(messages: .closure(messages), source: source, fieldCount: fieldCount)
    }

    /// The shared initialiser: field tables for `fieldCount` fields and an empty carry.
    private init(messages: Messages, source: String, fieldCount: Int) {
        self.messages = messages
        self.source = source
        self.fieldCount = fieldCount
        unsafe self.starts = .allocate(capacity: fieldCount)
        unsafe self.starts.initialize(repeating: 0)
        unsafe self.lengths = .allocate(capacity: fieldCount)
        unsafe self.lengths.initialize(repeating: -1)
        unsafe self.carry = .allocate(byteCount: 0, alignment: 8)
    }

    deinit {
        unsafe starts.deallocate()
        unsafe lengths.deallocate()
        unsafe carry.deallocate()
        unsafe ownedMessage?.deallocate()
    }

    /// `PGCOPY\n\377\r\n\0`: the first 11 bytes of every binary COPY stream.
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    /// The next tuple, or `nil` at the end. The row (and every buffer taken from it) is valid until the
    /// next call.
    ///
    /// After the trailer the cursor is drained, so the connection is ready for the next statement.
    /// - Throws: ``ExtractError`` `truncated` when the stream ends without its trailer (a cancelled or
    ///   killed COPY), `syntax` for a bad header, a tuple with another field count, a negative length or
    ///   bytes after the trailer; `PGError` from the server.
    func nextRow() throws -> BinaryCopyRow? {
        while true {
            if ended {
                guard carryStart == carryEnd else {
                    throw ExtractError(.syntax, "bytes after the binary COPY trailer", table: source)
                }
                // Drain the cursor so the connection finishes the COPY cleanly.
                while try unsafe nextMessage() != nil {}
                return nil
            }
            if carryStart < carryEnd {
                if let row = try rowFromCarry() { return row }
                if ended { continue }
            }
            guard let message = try unsafe nextMessage() else {
                throw ExtractError(.truncated, "the binary COPY stream ended without its trailer", table: source)
            }
            if carryStart < carryEnd {
                unsafe appendToCarry(message)
                continue
            }
            carryStart = 0
            carryEnd = 0
            var offset = 0
            if !headerRead {
                guard let end = try unsafe Self.headerEnd(message, source: source) else {
                    unsafe appendToCarry(message)
                    continue
                }
                offset = end
                headerRead = true
            }
            switch try unsafe scanTuple(message, from: offset) {
            case .tuple(let end) where end == message.count:
                tupleNumber &+= 1
                return unsafe row(in: message)
            case .trailer(let end) where end == message.count:
                ended = true
            default:
                unsafe appendToCarry(UnsafeRawBufferPointer(rebasing: message[offset...]))
            }
        }
    }

    /// The row view over `buffer` with the field table ``scanTuple(_:from:)`` filled.
    @inline(__always)
    private func row(in buffer: UnsafeRawBufferPointer) -> BinaryCopyRow {
        unsafe BinaryCopyRow(
            base: buffer, starts: UnsafeBufferPointer(starts), lengths: UnsafeBufferPointer(lengths), reader: self)
    }

    /// The next message, `nil` after the last; valid until the next call.
    private func nextMessage() throws -> UnsafeRawBufferPointer? {
        switch messages {
        case .copy(let cursor):
            return try unsafe cursor.nextMessage()
        case .closure(let next):
            unsafe ownedMessage?.deallocate()
            unsafe ownedMessage = nil
            guard let message = try next() else { return nil }
            // A copy that lives until the next call, like libpq's buffer.
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: message.count, alignment: 8)
            unsafe message.withUnsafeBytes { unsafe copy.copyMemory(from: $0) }
            unsafe ownedMessage = copy
            return UnsafeRawBufferPointer(copy)
        }
    }

    /// Decodes one tuple (or the header, or the trailer) from the carry buffer; `nil` if it holds only
    /// part of a tuple, or after consuming the header or trailer.
    private func rowFromCarry() throws -> BinaryCopyRow? {
        let buffer = unsafe UnsafeRawBufferPointer(start: carry + carryStart, count: carryEnd - carryStart)
        var offset = 0
        if !headerRead {
            guard let end = try unsafe Self.headerEnd(buffer, source: source) else { return nil }
            offset = end
            headerRead = true
            carryStart += end
        }
        switch try unsafe scanTuple(buffer, from: offset) {
        case .incomplete:
            return nil
        case .trailer(let end):
            ended = true
            carryStart += end - offset
            return nil
        case .tuple(let end):
            tupleNumber &+= 1
            carryStart += end - offset
            return unsafe row(in: buffer)
        }
    }

    /// Appends bytes to the carry buffer, first moving the unconsumed part to the front (the row handed
    /// out last is invalid by now: this only runs inside ``nextRow()``).
    private func appendToCarry(_ bytes: UnsafeRawBufferPointer) {
        let pending = carryEnd - carryStart
        if carryStart > 0 {
            if pending > 0 { unsafe carry.copyMemory(from: carry + carryStart, byteCount: pending) }
            carryStart = 0
            carryEnd = pending
        }
        if carryEnd + bytes.count > carryCapacity {
            let capacity = max(carryEnd + bytes.count, carryCapacity * 2, 4096)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            if carryEnd > 0 { unsafe grown.copyMemory(from: carry, byteCount: carryEnd) }
            unsafe carry.deallocate()
            unsafe carry = grown
            carryCapacity = capacity
        }
        if let base = bytes.baseAddress, bytes.count > 0 {
            unsafe (carry + carryEnd).copyMemory(from: base, byteCount: bytes.count)
        }
        carryEnd += bytes.count
    }

    /// What ``scanTuple(_:from:)`` found.
    private enum Scan {
        /// A whole tuple ending at `end`; the field table describes it.
        case tuple(end: Int)
        /// The trailer, ending at `end`.
        case trailer(end: Int)
        /// The buffer ends inside the tuple: more bytes are needed.
        case incomplete
    }

    /// Locates the fields of the tuple starting at `offset`, filling `starts` and `lengths`.
    ///
    /// Only lengths are read here; field values are decoded (and type-checked) when the caller asks for
    /// them, so an unused column costs nothing.
    private func scanTuple(_ buffer: UnsafeRawBufferPointer, from offset: Int) throws -> Scan {
        guard buffer.count - offset >= 2 else { return .incomplete }
        let count = unsafe Int(Int16(bitPattern: buffer.loadBigEndianUInt16(at: offset)))
        if count == -1 { return .trailer(end: offset + 2) }
        guard count == fieldCount else {
            throw ExtractError(
                .syntax, "binary COPY tuple \(tupleNumber + 1) has \(count) fields, expected \(fieldCount)",
                table: source)
        }
        var position = offset + 2
        for field in 0..<count {
            guard buffer.count - position >= 4 else { return .incomplete }
            let length = unsafe Int32(bitPattern: buffer.loadBigEndianUInt32(at: position))
            position += 4
            unsafe starts[field] = position
            unsafe lengths[field] = length
            if length > 0 {
                guard buffer.count - position >= Int(length) else { return .incomplete }
                position += Int(length)
            } else if length < -1 {
                throw ExtractError(
                    .syntax, "binary COPY field \(field) of tuple \(tupleNumber + 1) has length \(length)",
                    table: source)
            }
        }
        return .tuple(end: position)
    }

    /// The offset just past the file header, or `nil` if `buffer` is too short to hold it.
    static func headerEnd(_ buffer: UnsafeRawBufferPointer, source: String) throws -> Int? {
        guard buffer.count >= signature.count + 8 else { return nil }
        for (i, byte) in signature.enumerated() where unsafe buffer[i] != byte {
            throw ExtractError(.syntax, "not a binary COPY stream (bad signature)", table: source)
        }
        let flags = unsafe buffer.loadBigEndianUInt32(at: 11)
        // Bit 16 = OIDs included (not supported by current servers); bits 0-15 reserved.
        guard flags & 0xFFFE_FFFF == 0, flags & (1 << 16) == 0 else {
            throw ExtractError(.syntax, "binary COPY header has unsupported flags \(flags)", table: source)
        }
        let extensionLength = unsafe Int(buffer.loadBigEndianUInt32(at: 15))
        guard buffer.count >= 19 + extensionLength else { return nil }
        return 19 + extensionLength
    }
}

/// Network-order loads at any alignment: binary COPY's integers are big-endian and unaligned.
extension UnsafeRawBufferPointer {
    /// The big-endian 16-bit integer at `offset`.
    @usableFromInline @inline(__always)
    func loadBigEndianUInt16(at offset: Int) -> UInt16 {
        unsafe UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The big-endian 32-bit integer at `offset`.
    @usableFromInline @inline(__always)
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        unsafe UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The big-endian 64-bit integer at `offset`.
    @usableFromInline @inline(__always)
    func loadBigEndianUInt64(at offset: Int) -> UInt64 {
        unsafe UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
