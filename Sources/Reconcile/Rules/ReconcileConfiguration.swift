/// What a reconciliation compares and how: the shop, the webhook's shop, and the versioned status map.
public struct ReconcileConfiguration: Sendable {
    /// The shop being reconciled (`17008`, Cvetykz).
    public var shopID: Int64
    /// The shop the product webhook creates products in (`8` upstream).
    public var webhookShopID: Int64
    /// The catalog's product id sequence, as `pg_get_serial_sequence` names it.
    public var productSequence: String
    /// The Bitrix → catalog order status map.
    public var statusMap: StatusMap

    /// Creates a configuration; the defaults are upstream's.
    public init(
        shopID: Int64 = 17008, webhookShopID: Int64 = 8, productSequence: String = "public.product_id_seq",
        statusMap: StatusMap = .upstream
    ) {
        self.shopID = shopID
        self.webhookShopID = webhookShopID
        self.productSequence = productSequence
        self.statusMap = statusMap
    }
}
