/// The failure of the real-time path a finding is attributed to: what the webhooks (and the Railway →
/// Bitrix push) would have had to do for the finding not to exist. Reports summarise a run's findings by
/// it ("what the webhooks missed"); the attribution of each cause code lives with the cause table
/// (`Evidence.webhookFailure` in BackstopReconcile).
public enum WebhookFailure: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// An event was never delivered, or delivered once and never retried (create, delete, status, price, …).
    case lostEvent = "lost_event"
    /// The event arrived but a value was misread (a price with NBSP or a decimal comma).
    case parseFailure = "parse_failure"
    /// The product webhook's create-fallback path wrote the row (no images, or the webhook's own shop).
    case createFallback = "create_fallback"
    /// The status webhook skipped a Bitrix status code its map lacks.
    case unmappedStatus = "unmapped_status"
    /// The catalog order was never linked to its Bitrix order (`bitrix_order_id` never written).
    case neverLinked = "never_linked"
    /// The catalog → Bitrix push lost or changed the order (delivery fee dropped, never pushed, pushed twice).
    case pushPath = "push_path"
    /// No webhook would carry it: an edit in one system only, a deleted row, a sequence, an id collision.
    case notWebhook = "not_webhook"

    /// A short title for reports.
    public var title: String {
        switch self {
        case .lostEvent: "lost event"
        case .parseFailure: "parse failure"
        case .createFallback: "create-fallback"
        case .unmappedStatus: "unmapped status"
        case .neverLinked: "never-linked order"
        case .pushPath: "push path (catalog → Bitrix)"
        case .notWebhook: "not a webhook failure"
        }
    }

    /// One sentence for reports.
    public var explanation: String {
        switch self {
        case .lostEvent: "a webhook was never delivered or never retried"
        case .parseFailure: "the webhook arrived but its value was misread"
        case .createFallback: "the webhook's create-fallback wrote an incomplete row"
        case .unmappedStatus: "the status webhook skipped a status code its map lacks"
        case .neverLinked: "nothing ever wrote the order's bitrix_order_id"
        case .pushPath: "the catalog → Bitrix push lost or changed the order"
        case .notWebhook: "an edit in one system, a deleted row or a sequence: no webhook carries it"
        }
    }

    /// Orders failures as declared (the real-time path's own failures first).
    public static func < (a: Self, b: Self) -> Bool {
        let order = allCases
        return (order.firstIndex(of: a) ?? 0) < (order.firstIndex(of: b) ?? 0)
    }
}
