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

    /// A table of its own (tests, a site whose webhook maps more codes); ``upstream`` is the default.
    /// Change ``version`` with any change to the table, so reports made with different maps never compare
    /// as equal.
    /// - Parameters:
    ///   - version: Recorded in every report (`status-map/2`, …).
    ///   - mapped: Bitrix code → catalog status, for the codes the real-time path maps.
    ///   - known: Every code the site uses; a code outside it is still reported unmapped.
    public init(version: String, mapped: [String: OrderStatus], known: Set<String>) {
        self.version = version
        self.mapped = mapped
        self.known = known
    }

    /// The catalog status for a Bitrix code, or `nil` when the code is unmapped (`order.status_unmapped`).
    ///
    /// ```swift
    /// StatusMap.upstream.status(for: "F")    // .delivered
    /// StatusMap.upstream.status(for: "RF")   // .cancelled (as UN: a refund is indistinguishable upstream)
    /// StatusMap.upstream.status(for: "DF")   // nil: reported, never guessed
    /// ```
    /// - Parameter code: `b_sale_order.STATUS_ID` (case-sensitive, as Bitrix stores it).
    /// - Returns: The status the catalog should show.
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
