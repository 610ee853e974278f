public import BackstopModel

extension IndexFinding {
    /// The failure of the real-time path an index-stage cause code points to (beside the reconcile stage's
    /// `Evidence.webhookFailure`): an embedding the webhook's background task never computed or never
    /// refreshed is a lost event; stale models, orphans, duplicates and broken image files are nothing a
    /// webhook would carry. `nil` for codes this table does not know.
    public static func webhookFailure(cause code: String?) -> WebhookFailure? {
        guard let code else { return nil }
        switch code {
        case "not_embedded", "image_changed":
            return .lostEvent
        case "old_model", "image_bytes_changed", "malformed_vector", "duplicate_rows", "disabled_product",
            "absent_product", "near_duplicate", "timeout", "network", "too_large", "not_an_image", "corrupt",
            "missing_file", "read_error", "offline", "invalid_url":
            return .notWebhook
        default:
            return code.hasPrefix("http_") ? .notWebhook : nil
        }
    }
}
