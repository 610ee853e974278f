public import BackstopModel
public import BackstopExtract
public import Foundation

/// How long changes took to reach the catalog: for each row matched on both sides with a time on both,
/// catalog `updated_at` minus the Bitrix change time (`b_iblock_element.TIMESTAMP_X` for products,
/// `b_sale_order.DATE_UPDATE` for orders), in seconds. A negative sample means the catalog row is older
/// than Bitrix's last change: that change never arrived.
public struct SyncLatency: Sendable {
    /// The zone Bitrix's wall-clock times are in (`bitrix.time_zone`).
    public var bitrixTimeZone: TimeZone
    /// The zone the catalog's `timestamp` columns are in (`catalog.time_zone`).
    public var catalogTimeZone: TimeZone

    /// A measurement with both zones: Bitrix stores site wall-clock time, the catalog's `timestamp`
    /// columns whatever zone its writers used, so both must be configured for the difference to mean
    /// anything.
    public init(bitrixTimeZone: TimeZone, catalogTimeZone: TimeZone) {
        self.bitrixTimeZone = bitrixTimeZone
        self.catalogTimeZone = catalogTimeZone
    }

    /// How the clocks are read, for the report.
    public var clock: String {
        bitrixTimeZone.identifier == catalogTimeZone.identifier
            ? "both sides read as \(bitrixTimeZone.identifier) wall-clock time"
            : "Bitrix read as \(bitrixTimeZone.identifier), the catalog as \(catalogTimeZone.identifier)"
    }

    /// One shop's latency samples, products and orders.
    public struct Samples: Sendable {
        /// Per matched product, seconds from its Bitrix change to the catalog's `updated_at`.
        public var products: [Int64]
        /// Per linked order, the same.
        public var orders: [Int64]
    }

    /// Both of a shop's sample sets (``products(bitrix:catalog:shopID:)``, ``orders(bitrix:catalog:shopID:)``).
    /// - Parameters:
    ///   - bitrix: The Bitrix model.
    ///   - catalogProducts: Catalog products of every shop.
    ///   - catalogOrders: Catalog orders of every shop.
    ///   - shopID: The shop sampled.
    /// - Returns: The shop's samples.
    public func samples(
        bitrix: BitrixSnapshot, catalogProducts: [CanonicalProduct], catalogOrders: [CatalogOrder], shopID: Int64
    ) -> Samples {
        Samples(
            products: products(bitrix: bitrix.products, catalog: catalogProducts, shopID: shopID),
            orders: orders(bitrix: bitrix.orders, catalog: catalogOrders, shopID: shopID))
    }

    /// Latency samples of the products of `shopID` matched by id.
    ///
    /// - Parameters:
    ///   - bitrix: Bitrix products (`updatedAt` = `TIMESTAMP_X`).
    ///   - catalog: Catalog products (`updatedAt` = `updated_at`).
    ///   - shopID: Only products of this shop on both sides are sampled.
    /// - Returns: One sample in seconds per product with a time on both sides, in Bitrix order.
    /// - Complexity: O(n + m) for inputs in id order (as the readers deliver them).
    public func products(bitrix: [CanonicalProduct], catalog: [CanonicalProduct], shopID: Int64) -> [Int64] {
        // Not reserved for the whole catalog: a fleet samples each of its shops in turn.
        var byID: [Int64: PackedWallClock] = [:]
        for c in catalog where c.shopID == shopID { if let t = c.updatedAtPacked { byID[c.id] = t } }
        var samples: [Int64] = []
        for b in bitrix where b.shopID == shopID {
            guard let changed = b.updatedAtPacked, let synced = byID[b.id] else { continue }
            if let sample = seconds(bitrix: changed.text, catalog: synced.text) { samples.append(sample) }
        }
        return samples
    }

    /// Latency samples of the orders of `shopID` linked on both sides (`bitrix_order_id`, else `railway-N`).
    /// - Parameters:
    ///   - bitrix: Bitrix orders (`updatedAt` = `DATE_UPDATE`).
    ///   - catalog: Catalog orders.
    ///   - shopID: Only catalog orders of this shop are sampled.
    /// - Returns: One sample in seconds per linked order with a time on both sides.
    public func orders(bitrix: [CanonicalOrder], catalog: [CatalogOrder], shopID: Int64) -> [Int64] {
        var byBitrixID: [Int64: String] = [:]
        var byCatalogID: [Int64: String] = [:]
        for record in catalog where record.order.shopID == shopID {
            guard let t = record.order.updatedAt else { continue }
            if let id = record.order.bitrixID { byBitrixID[id] = t }
            if let id = record.order.catalogID { byCatalogID[id] = t }
        }
        var samples: [Int64] = []
        for b in bitrix {
            guard let changed = b.updatedAt else { continue }
            let synced = b.bitrixID.flatMap { byBitrixID[$0] } ?? b.catalogID.flatMap { byCatalogID[$0] }
            guard let synced, let sample = seconds(bitrix: changed, catalog: synced) else { continue }
            samples.append(sample)
        }
        return samples
    }

    /// Catalog time minus Bitrix time in seconds, each read in its zone; `nil` when either is not
    /// `YYYY-MM-DD HH:MM:SS` text.
    /// - Parameters:
    ///   - bitrix: The Bitrix change time, site wall-clock text.
    ///   - catalog: The catalog's `updated_at`, wall-clock text in the catalog's zone.
    /// - Returns: The latency; negative when the catalog row predates the Bitrix change.
    public func seconds(bitrix: String, catalog: String) -> Int64? {
        guard let b = Self.epochSeconds(bitrix, in: bitrixTimeZone),
            let c = Self.epochSeconds(catalog, in: catalogTimeZone)
        else { return nil }
        return c - b
    }

    /// Seconds since 1970 of wall-clock text (`2025-10-25 03:00:00`, fractions ignored) in `zone`.
    ///
    /// Pure arithmetic (no `DateFormatter`), since it runs once per matched row. A time that does not
    /// exist or exists twice at a DST change resolves to one of its readings (Kazakhstan has observed no
    /// DST since 2005).
    ///
    /// ```swift
    /// SyncLatency.epochSeconds("2025-10-25 03:00:00", in: .gmt)        // 1761361200
    /// SyncLatency.epochSeconds("2025-10-25 03:00:00.5+05", in: .gmt)   // 1761361200: the tail is ignored
    /// ```
    /// - Parameters:
    ///   - text: At least `YYYY-MM-DD HH:MM:SS`; anything after the 19th character is ignored.
    ///   - zone: The zone the text is wall-clock time in.
    /// - Returns: The instant, `nil` for text of another shape or an out-of-range month or day.
    public static func epochSeconds(_ text: String, in zone: TimeZone) -> Int64? {
        let b = Array(text.utf8.prefix(19))
        guard b.count == 19 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in range {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Days from the civil date (H. Hinnant's algorithm), then the zone's offset at that moment.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let naive = days * 86_400 + hour * 3600 + minute * 60 + second
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive)))
        return naive - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive - Int64(offset)))))
    }
}
