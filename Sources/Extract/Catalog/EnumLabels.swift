import BackstopModel
import Glibc

/// The labels of a string-backed enum as bytes, to match binary COPY enum fields without allocating:
/// known labels map to their case (and its static `rawValue`), unknown ones are kept as text.
struct EnumLabels<T: RawRepresentable & CaseIterable & Sendable>: Sendable where T.RawValue == String {
    enum Match {
        case known(T)
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

    private let cases: [T]
    /// All labels back to back; `ends[i]` is where label `i` ends.
    private let bytes: [UInt8]
    private let ends: [Int]

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

    /// The case whose label is exactly `raw`.
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
    static let productTypes = EnumLabels(ProductType.self)
    static let orderStatuses = EnumLabels(OrderStatus.self)
}
