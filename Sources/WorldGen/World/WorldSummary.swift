/// What a generation produced; also written as `world.json`.
public struct WorldSummary: Codable, Sendable {
    /// The generator version; a world is regenerated when it changes.
    public var generatorVersion: String
    /// The scale name.
    public var scale: WorldScale
    /// The seed.
    public var seed: UInt64
    /// The snapshot instant (`YYYY-MM-DD HH:MM:SS`, the dumps' "completed" time).
    public var snapshot: String
    /// Row counts per table: Bitrix tables by name, catalog tables as `catalog.<name>`.
    public var counts: [String: Int]
    /// Planted discrepancies per kind.
    public var planted: [String: Int]
    /// Hard negatives per kind (`negatives.jsonl`: look-alike pairs that must not be reported); absent in
    /// worlds of generator versions before 1.4.0.
    public var negatives: [String: Int]?
    /// File sizes in bytes, by path relative to the world folder.
    public var files: [String: Int]
    /// Image specs: how many were decided and how many files were written (0 when rendering is off or failed).
    public var images: ImageCounts
    /// The systematic losses of the webhook path, which hold for every row and are therefore not in
    /// `manifest.jsonl` (see the BackstopWorldGen.docc article).
    public var systematic: [SystematicLoss]
    /// Seconds spent generating.
    public var seconds: Double

    /// Image counts.
    public struct ImageCounts: Codable, Sendable {
        /// Specs decided (b_file rows that have a file).
        public var specs: Int
        /// Files written.
        public var written: Int
        /// Why nothing was written, if so.
        public var skipped: String?
        /// Seconds spent rendering and writing the files (absent when none were written).
        public var seconds: Double?
    }
}

/// A systematic loss of the webhook path: a rule that relates every Bitrix value to its catalog value.
public struct SystematicLoss: Codable, Sendable, Hashable {
    /// `product.type`, `product.width`, …
    public var field: String
    /// The Bitrix source.
    public var bitrix: String
    /// What the catalog holds instead.
    public var catalog: String
    /// The kind a reconciler reports it as, if it reports it at all.
    public var kind: String

    /// The losses every world has.
    public static let all: [SystematicLoss] = [
        .init(
            field: "product.type", bitrix: "IS_READY set → vitrina, else catalog", catalog: "always FLOWERS",
            kind: "product.field"),
        .init(
            field: "product.width/height", bitrix: "vitrina: properties WIDTH/HEIGHT",
            catalog: "NULL for vitrina products (only CATALOG_WIDTH/CATALOG_HEIGHT \"NN см\" are parsed)",
            kind: "product.field"),
        .init(
            field: "product.description", bitrix: "DETAIL_TEXT", catalog: "NULL (never synced)",
            kind: "product.field"),
        .init(
            field: "product.created_at", bitrix: "DATE_CREATE", catalog: "the sync time (DATE_CREATE + 1–10 min)",
            kind: "product.field"),
        .init(
            field: "product.colors/occasions/tags", bitrix: "—", catalog: "[] (wiped on every update)",
            kind: "product.field"),
        .init(
            field: "product.image", bitrix: "PREVIEW_PICTURE b_file URL",
            catalog: "same URL; productimage = PREVIEW_PICTURE then MORE_PHOTO files in property order",
            kind: "none (identity)"),
        .init(
            field: "order.subtotal/total/delivery_cost",
            bitrix: "Σ basket PRICE×QUANTITY; PRICE = Σ + PRICE_DELIVERY (tenge)",
            catalog: "subtotal = Σ orderitem product_price×quantity; total = subtotal + delivery_cost (kopecks)",
            kind: "none (rule)"),
        .init(
            field: "order.address/pickup", bitrix: "prop addressRecipient; prop iWillGet = 'Y' for pickup",
            catalog: "coalesce(delivery_address, pickup_address); delivery_type 'pickup'", kind: "none (rule)"),
        .init(
            field: "product.active", bitrix: "ACTIVE with ACTIVE_FROM/ACTIVE_TO at the dump footer time, inclusive",
            catalog: "enabled", kind: "none (rule)"),
        .init(
            field: "order.phone/recipient_phone", bitrix: "props phone/phoneRecipient as typed",
            catalog: "normalised +7XXXXXXXXXX", kind: "none (normalisation)"),
        .init(
            field: "order.delivery_date", bitrix: "prop data 'DD.MM.YYYY'", catalog: "that date at 00:00",
            kind: "none (rule)"),
    ]
}
