import BackstopPostgres

/// Decodes the rows of a `COPY … TO STDOUT WITH (FORMAT binary)` stream, one at a time.
///
/// The format (PostgreSQL docs, "COPY → Binary Format"): an 11-byte signature `PGCOPY\n\377\r\n\0`, an
/// int32 flags field, an int32 header-extension length and that many bytes; then per tuple an int16
/// field count followed by, for each field, an int32 length (-1 = NULL) and that many bytes; a field
/// count of -1 ends the data. All integers are big-endian.
///
/// The server sends one CopyData message per tuple (the header rides in front of the first one), so the
/// fast path decodes a tuple in place inside the message. Messages that hold several tuples or only part
/// of one are handled by copying into a carry buffer.
final class BinaryCopyReader {
    /// Hands the next CopyData message to its closure and returns `true`, or returns `false` at the end.
    typealias MessageSource = ((UnsafeRawBufferPointer) throws -> Void) throws -> Bool
    private let nextMessage: MessageSource
    /// The table (or query) being read, for error messages.
    let source: String
    /// The number of fields every tuple must have.
    let fieldCount: Int
    private var headerRead = false
    private var ended = false
    /// Bytes of a message that were not consumed yet (only on the slow path).
    private var carry: [UInt8] = []
    private var carryStart = 0
    /// Field starts and lengths of the current tuple, reused between tuples. Raw buffers (allocated once,
    /// freed in deinit) rather than arrays: no uniqueness checks, retains or exclusivity bookkeeping per field.
    private let starts: UnsafeMutableBufferPointer<Int>
    private let lengths: UnsafeMutableBufferPointer<Int32>
    /// 1-based number of the tuple being decoded.
    private(set) var tupleNumber = 0

    /// Reads from a libpq COPY cursor.
    convenience init(cursor: PGCopyOutCursor, source: String, fieldCount: Int) {
        self.init(source: source, fieldCount: fieldCount) { body in try cursor.next(body) }
    }

    /// Reads from any message source (tests split streams at arbitrary points with it).
    init(source: String, fieldCount: Int, messages: @escaping MessageSource) {
        self.nextMessage = messages
        self.source = source
        self.fieldCount = fieldCount
        self.starts = .allocate(capacity: fieldCount)
        self.starts.initialize(repeating: 0)
        self.lengths = .allocate(capacity: fieldCount)
        self.lengths.initialize(repeating: -1)
    }

    deinit {
        starts.deallocate()
        lengths.deallocate()
    }

    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    /// Calls `body` with the next tuple and returns its result, or returns `nil` at the end.
    func next<T>(_ body: (BinaryCopyRow) throws -> T) throws -> T? {
        while true {
            if ended {
                // Drain the cursor so the connection finishes the COPY cleanly.
                while try nextMessage({ _ in }) {}
                return nil
            }
            if carryStart < carry.count {
                if let value = try decodeCarry(body) { return value }
                // The carry holds an incomplete tuple: append the next message.
            }
            var result: T?
            var needsCarry = false
            let more = try nextMessage { message in
                if carryStart < carry.count {
                    carry.append(contentsOf: message)
                    needsCarry = true
                    return
                }
                carry.removeAll(keepingCapacity: true)
                carryStart = 0
                var offset = 0
                if !headerRead {
                    guard let end = try Self.headerEnd(message, source: source) else {
                        carry.append(contentsOf: message)
                        needsCarry = true
                        return
                    }
                    offset = end
                    headerRead = true
                }
                switch try scanTuple(message, from: offset) {
                case .tuple(let end) where end == message.count:
                    tupleNumber += 1
                    result = try body(BinaryCopyRow(base: message, starts: UnsafeBufferPointer(starts), lengths: UnsafeBufferPointer(lengths), reader: self))
                case .trailer(let end) where end == message.count:
                    ended = true
                default:
                    carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: message[offset...]))
                    needsCarry = true
                }
            }
            if let result { return result }
            if needsCarry { continue }
            if !more {
                guard ended, carryStart >= carry.count else {
                    throw ExtractError("the binary COPY stream ended without its trailer", table: source)
                }
                return nil
            }
        }
    }

    /// Decodes one tuple from the carry buffer, or returns `nil` if it holds only part of one.
    private func decodeCarry<T>(_ body: (BinaryCopyRow) throws -> T) throws -> T? {
        // The buffer is only read inside the closure; the carry bookkeeping changes after it.
        let start = carryStart
        var consumed = 0
        var sawHeader = false
        var sawTrailer = false
        let value = try carry.withUnsafeBytes { all -> T? in
            let buffer = UnsafeRawBufferPointer(rebasing: all[start...])
            var offset = 0
            if !headerRead {
                guard let end = try Self.headerEnd(buffer, source: source) else { return nil }
                offset = end
                sawHeader = true
                consumed = end
            }
            switch try scanTuple(buffer, from: offset) {
            case .incomplete:
                return nil
            case .trailer(let end):
                sawTrailer = true
                consumed = end
                return nil
            case .tuple(let end):
                tupleNumber += 1
                consumed = end
                return try body(BinaryCopyRow(base: buffer, starts: UnsafeBufferPointer(starts), lengths: UnsafeBufferPointer(lengths), reader: self))
            }
        }
        if sawHeader { headerRead = true }
        carryStart += consumed
        if sawTrailer {
            ended = true
            if carryStart < carry.count {
                throw ExtractError("bytes after the binary COPY trailer", table: source)
            }
        }
        if carryStart == carry.count {
            carry.removeAll(keepingCapacity: true)
            carryStart = 0
        }
        return value
    }

    private enum Scan {
        case tuple(end: Int)
        case trailer(end: Int)
        case incomplete
    }

    /// Locates the fields of the tuple starting at `offset`, filling `starts` and `lengths`.
    private func scanTuple(_ buffer: UnsafeRawBufferPointer, from offset: Int) throws -> Scan {
        guard buffer.count - offset >= 2 else { return .incomplete }
        let count = Int(Int16(bitPattern: buffer.loadBigEndianUInt16(at: offset)))
        if count == -1 { return .trailer(end: offset + 2) }
        guard count == fieldCount else {
            throw ExtractError(
                "binary COPY tuple \(tupleNumber + 1) has \(count) fields, expected \(fieldCount)", table: source)
        }
        var position = offset + 2
        for field in 0..<count {
            guard buffer.count - position >= 4 else { return .incomplete }
            let length = Int32(bitPattern: buffer.loadBigEndianUInt32(at: position))
            position += 4
            starts[field] = position
            lengths[field] = length
            if length > 0 {
                guard buffer.count - position >= Int(length) else { return .incomplete }
                position += Int(length)
            } else if length < -1 {
                throw ExtractError("binary COPY field \(field) of tuple \(tupleNumber + 1) has length \(length)", table: source)
            }
        }
        return .tuple(end: position)
    }

    /// The offset just past the file header, or `nil` if `buffer` is too short to hold it.
    static func headerEnd(_ buffer: UnsafeRawBufferPointer, source: String) throws -> Int? {
        guard buffer.count >= signature.count + 8 else { return nil }
        for (i, byte) in signature.enumerated() where buffer[i] != byte {
            throw ExtractError("not a binary COPY stream (bad signature)", table: source)
        }
        let flags = buffer.loadBigEndianUInt32(at: 11)
        // Bit 16 = OIDs included (not supported by current servers); bits 0-15 reserved.
        guard flags & 0xFFFE_FFFF == 0, flags & (1 << 16) == 0 else {
            throw ExtractError("binary COPY header has unsupported flags \(flags)", table: source)
        }
        let extensionLength = Int(buffer.loadBigEndianUInt32(at: 15))
        guard buffer.count >= 19 + extensionLength else { return nil }
        return 19 + extensionLength
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadBigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func loadBigEndianUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
