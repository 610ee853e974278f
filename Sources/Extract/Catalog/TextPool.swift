import Foundation

/// Repeated text of one read held once: a value equal byte for byte to one seen before comes back as that
/// string, so products that repeat a description (a shop's boilerplate) or a name hold one copy (the `m`
/// world's 72 687 catalog products have one description and 9 926 names). The catalog reader keeps one pool
/// per column.
///
/// Cheap per value, because it runs once or twice per catalog row: a value is looked up by its bytes
/// straight from the COPY tuple (``intern(bytes:)``), so a repeat makes no string at all; the table is an
/// open-addressed array of hash tags and positions (one cache line a look-up, where a `Dictionary` of
/// hashes took three: perf put the old pool at 28 % of the catalog read's client CPU on the upstream
/// shape). Strings of 15 bytes or fewer are held inline by Swift and pass through.
///
/// Bounded: once it holds ``limit`` distinct values, a new value is returned as it is (repeats of the ones
/// held are still shared). And it stops where it does not pay: when fewer than 1 in 16 of a window of
/// ``window`` look-ups found a held value (a column of distinct values), it lets its table go and returns
/// every later value as it is. Either way each value is the string `String(decoding:as: UTF8.self)`
/// makes of its bytes; only whether equal values share storage differs.
final class TextPool {
    /// How many distinct values are held at most (~10 MB of table and strings' references).
    let limit = 1 << 18
    /// Look-ups per decision whether the pool pays (see the type's description).
    static let window = 1 << 16
    /// Probes per look-up at most: a long run of colliding values costs sharing, never time.
    static let maxProbes = 32

    /// The distinct values held, by position.
    private var held: [String] = []
    /// Each held value's hash (to place it again when the table grows).
    private var heldHashes: [UInt64] = []
    /// The table: `0` for an empty slot, else the hash's upper 32 bits and 1 + the value's position in
    /// ``held`` in the lower 32.
    private var slots: [UInt64] = []
    /// Look-ups and hits of the current window.
    private var lookups = 0, hits = 0
    /// Whether values are still looked up (see the type's description).
    private(set) var isSharing = true

    /// `text`, or the held string with the same bytes.
    /// - Parameter text: A value just read.
    /// - Returns: One string for every equal value of the read.
    func intern(_ text: String) -> String {
        guard isSharing, text.utf8.count > 15 else { return text }
        var copy = text
        return copy.withUTF8 { bytes in unsafe intern(bytes: UnsafeRawBufferPointer(bytes)) { text } }
    }

    /// The string of `bytes` (UTF-8, repaired as `String(decoding:as:)` repairs it): the held one when a
    /// value with exactly these bytes was held, without making a new string.
    /// - Parameter bytes: A value's bytes, read from a COPY tuple.
    /// - Returns: One string for every equal value of the read.
    @inline(__always)
    func intern(bytes: UnsafeRawBufferPointer) -> String {
        unsafe intern(bytes: bytes) { unsafe String(decoding: bytes, as: UTF8.self) }
    }

    /// The text of `field` of `row` (`nil` for NULL), the held string when equal.
    /// - Parameters:
    ///   - row: A COPY tuple.
    ///   - field: A text column's index.
    /// - Returns: The value, shared with the equal ones read before.
    @inline(__always)
    func text(_ row: BinaryCopyRow, _ field: Int) -> String? {
        guard let bytes = unsafe row.bytes(field) else { return nil }
        return unsafe intern(bytes: bytes)
    }

    /// The look-up: the held string with `bytes`, else `make()`'s, held when there is room.
    private func intern(bytes: UnsafeRawBufferPointer, make: () -> String) -> String {
        guard isSharing, bytes.count > 15 else { return make() }
        lookups += 1
        if lookups == Self.window {
            decide()
            guard isSharing else { return make() }
        }
        if held.count < limit && held.count * 2 >= slots.count { grow() }
        let hash = unsafe Self.hash(bytes)
        let tag = hash >> 32
        let mask = slots.count - 1
        var position = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<Self.maxProbes {
            let slot = slots[position]
            if slot == 0 {
                let text = make()
                // The look-up that found it empty also places the value (a full pool places none).
                if held.count < limit && isSharing {
                    slots[position] = tag << 32 | UInt64(held.count + 1)
                    held.append(text)
                    heldHashes.append(hash)
                }
                return text
            }
            if slot >> 32 == tag {
                let candidate = held[Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1]
                if unsafe Self.same(candidate, bytes) {
                    hits += 1
                    return candidate
                }
            }
            position = (position + 1) & mask
        }
        return make()
    }

    /// Ends a window: a pool that found fewer than 1 in 16 of its look-ups held stops and lets its table
    /// go (the strings it handed out stay shared where they are).
    private func decide() {
        if hits * 16 < lookups {
            isSharing = false
            held = []
            heldHashes = []
            slots = []
        }
        lookups = 0
        hits = 0
    }

    /// Doubles the table (1 Ki slots at first, twice ``limit`` at most: half full at worst) and places the
    /// held values again.
    private func grow() {
        let count = max(1024, slots.count * 2)
        var table = [UInt64](repeating: 0, count: count)
        let mask = count - 1
        for (index, hash) in heldHashes.enumerated() {
            var position = Int(truncatingIfNeeded: hash) & mask
            while table[position] != 0 { position = (position + 1) & mask }
            table[position] = (hash >> 32) << 32 | UInt64(index + 1)
        }
        slots = table
    }

    /// Whether `text`'s UTF-8 is exactly `bytes` (one `memcmp`).
    /// - Parameters:
    ///   - text: A string.
    ///   - bytes: The bytes to compare its UTF-8 with.
    /// - Returns: `true` when they are the same bytes.
    @inline(__always)
    static func same(_ text: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard text.utf8.count == bytes.count else { return false }
        guard unsafe !bytes.isEmpty else { return true }
        let contiguous = unsafe text.utf8.withContiguousStorageIfAvailable { stored in
            // Both hold `bytes.count` > 0 bytes, so both have addresses.
            unsafe memcmp(stored.baseAddress.unsafelyUnwrapped, bytes.baseAddress.unsafelyUnwrapped, bytes.count) == 0
        }
        return unsafe contiguous ?? text.utf8.elementsEqual(bytes)
    }

    /// A 64-bit hash of more than 15 bytes, 8 at a time (multiply and fold; not keyed: a crafted run of
    /// collisions costs sharing, bounded by ``maxProbes``).
    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(truncatingIfNeeded: count)
        @inline(__always) func mix(_ word: UInt64) {
            h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 32
        }
        var offset = 0
        while offset + 8 <= count {
            unsafe mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        // The last 8 bytes (overlapping the words before when the count is not a multiple of 8).
        if offset < count { unsafe mix(bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ h >> 32
    }
}
