public import BackstopModel

/// A probable cause: a stable code, words for people, and how bad it is. The code is what scripts, the
/// ledger and the webhook-failure attribution match on; the text may be reworded freely.
public struct Cause: Sendable, Hashable {
    /// The stable code (the evidence's raw value).
    public var code: String
    /// One line for the report.
    public var text: String
    /// How bad it is.
    public var severity: Discrepancy.Severity
}

/// The one table from evidence to probable cause (upstream.md §2.8, §3.3, §7). Shop numbers come from
/// the configuration, never from comparison code.
///
/// A new cause is an ``Evidence`` case, its line here (the switch is exhaustive, so the compiler asks
/// for it) and its `WebhookFailure` in `Evidence.webhookFailure`.
///
/// ```swift
/// let causes = CauseRules(configuration: ReconcileConfiguration())
/// causes.cause(for: .webhookShop).text   // "created by the product webhook in shop 8, not 17008"
/// ```
public struct CauseRules: Sendable {
    /// The configuration the texts mention (shops).
    public let configuration: ReconcileConfiguration

    /// The table for a configuration, whose shop numbers the texts quote.
    public init(configuration: ReconcileConfiguration) { self.configuration = configuration }

    /// The cause for a piece of evidence.
    /// - Parameter evidence: What the comparison saw.
    /// - Returns: The code (the evidence's raw value), the report line and the severity.
    public func cause(for evidence: Evidence) -> Cause {
        let (text, severity) = Self.words(evidence, configuration)
        return Cause(code: evidence.rawValue, text: text, severity: severity)
    }

    private static func words(_ e: Evidence, _ c: ReconcileConfiguration) -> (String, Discrepancy.Severity) {
        switch e {
        case .lostCreate: ("product webhook lost (no retry) or never sent", .error)
        case .lostDelete: ("deleted in Bitrix; the product.deleted webhook was lost", .error)
        case .movedToOtherSeller: ("Bitrix moved the element to another seller; the catalog was never told", .warning)
        case .lostDeactivation: ("deactivation webhook lost", .error)
        case .lostActivation: ("activation never synced (or a missing isAvailable read as disabled)", .error)
        case .priceParsedToZero: ("price string unparsable by the webhook (NBSP/prefix) → 0", .error)
        case .priceTimes100: ("decimal comma dropped by the webhook parser → ×100", .error)
        case .priceChangeNotSynced: ("price change never synced (catalog price changes fire no webhook)", .error)
        case .renamed: ("rename on one side never synced", .warning)
        case .imageChanged: ("main image re-uploaded in Bitrix; the catalog keeps the old URL", .warning)
        case .imagesChanged: ("image list changed in Bitrix; productimage rows not rewritten", .warning)
        case .createFallback: ("created by the webhook's create-fallback without productimage rows", .error)
        case .dimensionChanged: ("dimension edited on one side only", .warning)
        case .webhookShop: ("created by the product webhook in shop \(c.webhookShopID), not \(c.shopID)", .warning)
        case .otherShop: ("the catalog row sits in another shop than Bitrix's seller", .warning)
        case .localIDInBitrixRange:
            (
                "a catalog-created product took an id Bitrix later gave to another element (sequence in the Bitrix range)",
                .error
            )
        case .orderNotCreated: ("the Bitrix order says railway-N but catalog order N does not exist", .error)
        case .bitrixOrderDeleted: ("the linked Bitrix order was deleted", .warning)
        case .orderNeverPushed: ("the catalog order was never pushed to Bitrix", .warning)
        case .linkNeverSet: ("bitrix_order_id never written (no catalog code writes it)", .warning)
        case .orderCreatedTwice:
            ("two catalog orders share one Bitrix order (created twice); the status webhook breaks", .error)
        case .statusWebhookLost: ("status webhook lost", .error)
        case .refundNotSynced: ("refund (RF) never reached the catalog; upstream maps RF like UN to CANCELLED", .error)
        case .notRealisedNotSynced:
            ("not realised (UN) never reached the catalog; upstream maps UN like RF to CANCELLED", .error)
        case .unmappedStatus: ("Bitrix status code not in the webhook's map: the status webhook skipped it", .warning)
        case .orderFieldEdited: ("edited in one system only (no field sync)", .warning)
        case .deliveryFeeDropped:
            ("the Railway → Bitrix push dropped the delivery fee; Bitrix holds the wrong money", .error)
        case .currencyDiffers: ("the Bitrix order is not in the catalog's currency", .warning)
        case .linesDiffer: ("money differs because the order lines differ", .error)
        case .itemNotSynced: ("a basket line never reached the catalog", .error)
        case .itemAddedInCatalog: ("a line added in the catalog only", .warning)
        case .itemEdited: ("a line edited in one system only", .warning)
        case .productGone: ("the line's product exists in neither system: its order item can never be written", .error)
        case .userDeleted: ("the order's Bitrix user no longer exists", .warning)
        case .sequenceInBitrixRange:
            (
                "the product id sequence was set into the Bitrix id range (setval MAX(id)); new local products collide",
                .error
            )
        }
    }
}
