import Crypto

/// SHA-256 (FIPS 180-4) of a byte buffer: the content address of the image cache, the "did the image
/// bytes change?" test of an incremental reindex, the local embedding model's version and the
/// Content-Security-Policy hashes of `report.html`'s inline script and style.
///
/// The digest is swift-crypto's (`Crypto.SHA256`, BoringSSL's assembly on Linux), kept behind this one
/// name so callers deal in `[UInt8]` and the lower-case hex Backstop stores; `SHA256Tests` checks it against
/// the FIPS 180-2 examples.
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    ///
    /// ```swift
    /// SHA256.hex(SHA256.digest(Array("abc".utf8)))
    /// // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" (FIPS 180-2, B.1)
    /// ```
    ///
    /// - Parameter bytes: The whole message; it is hashed in one call (no streaming state).
    /// - Returns: The digest, big-endian words as the specification writes them.
    /// - Complexity: O(n).
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: bytes))
    }

    /// Lower-case hexadecimal of `bytes` (64 characters for a digest): the form Backstop stores and prints
    /// digests in (an image's `sha256`, the local embedding model's version).
    /// - Parameter bytes: Any bytes.
    /// - Returns: Two hex digits per byte, no separators.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
