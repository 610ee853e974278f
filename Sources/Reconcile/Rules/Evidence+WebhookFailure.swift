public import BackstopModel

extension Evidence {
    /// The failure of the real-time path this evidence points to (see `WebhookFailure`): one table beside
    /// ``CauseRules``, so reports attribute findings by cause code, never by text.
    public var webhookFailure: WebhookFailure {
        switch self {
        case .lostCreate, .lostDelete, .movedToOtherSeller, .lostDeactivation, .lostActivation, .priceChangeNotSynced,
            .renamed, .imageChanged, .imagesChanged, .dimensionChanged, .statusWebhookLost, .refundNotSynced,
            .notRealisedNotSynced, .itemNotSynced, .linesDiffer:
            .lostEvent
        case .priceParsedToZero, .priceTimes100:
            .parseFailure
        case .createFallback, .webhookShop:
            .createFallback
        case .unmappedStatus:
            .unmappedStatus
        case .linkNeverSet:
            .neverLinked
        case .orderNotCreated, .orderNeverPushed, .orderCreatedTwice, .deliveryFeeDropped:
            .pushPath
        case .otherShop, .localIDInBitrixRange, .bitrixOrderDeleted, .orderFieldEdited, .currencyDiffers,
            .itemAddedInCatalog, .itemEdited, .productGone, .userDeleted, .sequenceInBitrixRange:
            .notWebhook
        }
    }

    /// The failure a stored cause code points to; `nil` for a code this build does not know (a newer
    /// Backstop's finding, or an index-stage cause).
    ///
    /// Reports attribute findings read back from the ledger this way, by code, never by the cause's text.
    /// - Parameter code: A finding's `cause` (`nbsp_price`, …).
    /// - Returns: The failure, `nil` when unattributed.
    public static func webhookFailure(cause code: String?) -> WebhookFailure? {
        code.flatMap(Evidence.init(rawValue:))?.webhookFailure
    }
}
