/// What a reconciliation compares and how: the shops, the webhook's shop, and the versioned status map.
public struct ReconcileConfiguration: Sendable, Equatable {
    /// The home shop (`catalog.shop_id`, `17008`, Cvetykz): the run's shop when ``shops`` is not given, and
    /// the shop that holds catalog-wide findings.
    public var shopID: Int64
    /// The shops the run reports on (`--shop`); `nil` means the home shop alone.
    public var shops: Set<Int64>?
    /// Every catalog shop that is a Bitrix seller (see ``ShopScope/sellers``); empty when unknown.
    public var sellerShops: Set<Int64> = []
    /// The shop the product webhook creates products in (`8` upstream).
    public var webhookShopID: Int64
    /// The catalog's product id sequence, as `pg_get_serial_sequence` names it.
    public var productSequence: String
    /// The Bitrix → catalog order status map.
    public var statusMap: StatusMap

    /// Which shops the run reports on and how findings are attributed.
    public var scope: ShopScope { ShopScope(shops: shops ?? [shopID], sellers: sellerShops, home: shopID) }

    /// A configuration; the defaults are upstream's (home shop 17008, webhook shop 8, `product_id_seq`,
    /// status map `status-map/1`). ``shops`` and ``sellerShops`` start empty and are set per run.
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
