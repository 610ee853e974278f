public import BackstopModel

/// The Bitrix order status codes (`b_sale_order.STATUS_ID`) and what the catalog's status should be for
/// each: a versioned table. Codes the real-time path does not map are listed as unmapped and reported,
/// never guessed.
public struct StatusMap: Sendable, Hashable {
    /// The table's version, recorded in every report (`status-map/1`).
    public var version: String
    /// Mapped codes → catalog status (enum NAME).
    public var mapped: [String: OrderStatus]
    /// Every code the table knows (the 28 of upstream.md §4.3).
    public var known: Set<String>

    /// Creates a table.
    public init(version: String, mapped: [String: OrderStatus], known: Set<String>) {
        self.version = version
        self.mapped = mapped
        self.known = known
    }

    /// The catalog status for a Bitrix code, or `nil` when the code is unmapped.
    public func status(for code: String) -> OrderStatus? { mapped[code] }

    /// Upstream's map (`BX_TO_RAILWAY_STATUS`, 8 of the 28 codes; upstream.md §2.5, §4.3).
    public static let upstream = StatusMap(
        version: "status-map/1",
        mapped: [
            "N": .new, "PD": .paid, "AP": .accepted, "CO": .assembled, "DE": .inDelivery, "F": .delivered,
            "RF": .cancelled, "UN": .cancelled,
        ],
        known: [
            "N", "UN", "AP", "PD", "CO", "RD", "RP", "DE", "DF", "F", "RF", "CF", "ER", "TR", "RO", "DN", "WA", "GP",
            "AN", "CA", "KA", "KB", "KC", "KD", "AU", "CP", "AR", "RR",
        ])
}
