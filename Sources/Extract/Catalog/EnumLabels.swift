import BackstopModel
import Glibc

/// The labels of a string-backed enum as bytes, to match binary COPY enum fields without allocating:
/// known labels map to their case (and its static `rawValue`), unknown ones are kept as text.
///
/// An unknown label is not an error: a catalog that gained an enum member after this build must still be
/// read, so the label is kept and the caller records a ``ParseProblem``. Matching is a linear scan with
/// `memcmp` over the 6–7 members these enums have, with no allocation for a known label.
struct EnumLabels<T: RawRepresentable & CaseIterable & Sendable>: Sendable where T.RawValue == String {
    /// The outcome of matching one label.
    enum Match {
        /// A label of `T`.
        case known(T)
        /// A label this build does not know, as stored.
        case unknown(String)

        /// The case, or `nil` for a label this build does not know.
        var value: T? {
            if case .known(let value) = self { return value }
            return nil
        }

        /// The label as stored: the case's static `rawValue` (no allocation) or the unknown text.
        var label: String {
            switch self {
            case .known(let value): value.rawValue
            case .unknown(let text): text
            }
        }
    }

    /// The cases in `allCases` order, parallel to `ends`.
    private let cases: [T]
    /// All labels back to back; `ends[i]` is where label `i` ends.
    private let bytes: [UInt8]
    /// One past each label's last byte in ``bytes``.
    private let ends: [Int]

    /// The table of `type`'s labels.
    init(_ type: T.Type) {
        cases = Array(T.allCases)
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for value in cases {
            bytes.append(contentsOf: value.rawValue.utf8)
            ends.append(bytes.count)
        }
        self.bytes = bytes
        self.ends = ends
    }

    /// The case whose label is exactly `raw` (byte for byte, case-sensitive, as PostgreSQL compares
    /// enum labels).
    /// - Parameter raw: The field's bytes; valid only for the call.
    /// - Returns: The case, or the label as text.
    @inline(__always)
    func match(_ raw: UnsafeRawBufferPointer) -> Match {
        unsafe bytes.withUnsafeBytes { all in
            var start = 0
            for (index, end) in ends.enumerated() {
                if end - start == raw.count,
                    unsafe raw.count == 0
                        || memcmp(
                            all.baseAddress.unsafelyUnwrapped + start, raw.baseAddress.unsafelyUnwrapped, raw.count)
                            == 0
                {
                    return .known(cases[index])
                }
                start = end
            }
            return unsafe .unknown(String(decoding: raw, as: UTF8.self))
        }
    }
}

/// The label tables, built once.
enum CatalogLabels {
    /// `product.type` (`producttype` enum).
    static let productTypes = EnumLabels(ProductType.self)
    /// `"order".status` (`orderstatus` enum).
    static let orderStatuses = EnumLabels(OrderStatus.self)
}
