public import BackstopModel

/// What the webhooks missed in one run: the findings per cause code and per failure of the real-time path
/// they are attributed to, and how long changes took to reach the catalog (Bitrix `TIMESTAMP_X` /
/// `DATE_UPDATE` → catalog `updated_at`) where both sides carry a time.
///
/// The real-time path (Bitrix events → webhooks → the catalog) fails in known ways: lost events, lossy
/// parsing, create-fallbacks, unmapped order statuses. Each finding's cause code is attributed to one of
/// those (`WebhookFailure`), so the report answers "which failure cost us most last night" instead of
/// listing findings one by one. The reconcile stage builds it; report.md, report.html and `metrics.prom`
/// render it.
public struct WebhookHealth: Sendable, Hashable, Codable {
    /// Findings with one cause code.
    public struct CauseCount: Sendable, Hashable, Codable {
        /// The stable cause code (`lost_create`, `nbsp_price`, …; `unknown` when a finding has none).
        public var cause: String
        /// The failure of the real-time path it is attributed to (`nil`: not known to this build).
        public var failure: WebhookFailure?
        /// The cause in words.
        public var text: String?
        /// Findings with this cause.
        public var count: Int

        /// Counts findings of one cause.
        /// - Parameters:
        ///   - cause: The stable cause code, `unknown` for findings without one.
        ///   - failure: The failure it is attributed to, `nil` when unknown.
        ///   - text: The cause in words.
        ///   - count: Findings with this cause.
        public init(cause: String, failure: WebhookFailure?, text: String?, count: Int) {
            self.cause = cause
            self.failure = failure
            self.text = text
            self.count = count
        }
    }

    /// Sync latency of one entity: catalog `updated_at` minus the Bitrix change time, over matched rows.
    ///
    /// Rows that never caught up (negative samples) are counted in ``behind`` and kept out of the
    /// percentiles: their latency is unbounded, not small.
    public struct Latency: Sendable, Hashable, Codable {
        /// `product` or `order`.
        public var entity: String
        /// Matched rows where both sides carry a time.
        public var pairs: Int
        /// Rows whose catalog time is older than Bitrix's last change: that change never reached the catalog.
        public var behind: Int
        /// The median latency in seconds of the rows that caught up (`nil` when none did).
        public var p50Seconds: Int64?
        /// The 95th percentile in seconds.
        public var p95Seconds: Int64?
        /// The largest latency in seconds.
        public var maxSeconds: Int64?

        /// Summarises latency samples (catalog time minus Bitrix time, in seconds; negative = behind) with the
        /// nearest-rank percentiles.
        ///
        /// ```swift
        /// let l = WebhookHealth.Latency(entity: "product", samples: [5, 60, -30, 3600])
        /// // l.pairs == 4, l.behind == 1, l.p50Seconds == 60, l.maxSeconds == 3600
        /// ```
        /// - Parameters:
        ///   - entity: `product` or `order`.
        ///   - samples: One difference per matched row with both times, in any order.
        public init(entity: String, samples: [Int64]) {
            self.entity = entity
            pairs = samples.count
            let caughtUp = samples.filter { $0 >= 0 }.sorted()
            behind = samples.count - caughtUp.count
            p50Seconds = Self.percentile(caughtUp, 0.50)
            p95Seconds = Self.percentile(caughtUp, 0.95)
            maxSeconds = caughtUp.last
        }

        /// Restores a summary from its numbers (a stored context, a test).
        /// - Parameters:
        ///   - entity: `product` or `order`.
        ///   - pairs: Matched rows with both times.
        ///   - behind: Rows whose catalog time is older than Bitrix's last change.
        ///   - p50Seconds: The median of the rows that caught up.
        ///   - p95Seconds: The 95th percentile.
        ///   - maxSeconds: The largest latency.
        public init(entity: String, pairs: Int, behind: Int, p50Seconds: Int64?, p95Seconds: Int64?, maxSeconds: Int64?)
        {
            self.entity = entity
            self.pairs = pairs
            self.behind = behind
            self.p50Seconds = p50Seconds
            self.p95Seconds = p95Seconds
            self.maxSeconds = maxSeconds
        }

        /// The nearest-rank percentile `q` (0…1) of sorted values: the smallest value with at least `q` of
        /// the values at or below it. No interpolation, so the result is always one of the samples.
        /// - Parameters:
        ///   - sorted: Values in ascending order.
        ///   - q: The fraction, 0…1; 0 gives the smallest value, 1 the largest.
        /// - Returns: The percentile, or `nil` for no values.
        public static func percentile(_ sorted: [Int64], _ q: Double) -> Int64? {
            guard !sorted.isEmpty else { return nil }
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
    }

    /// Findings per cause, most frequent first.
    public var causes: [CauseCount]
    /// Sync latency per entity.
    public var latency: [Latency]
    /// How the two clocks were read (`both sides read as Asia/Almaty wall-clock time`): latency is only as
    /// good as this assumption (`catalog.time_zone`).
    public var clock: String

    /// Restores a summary from its parts (a stored context, a test).
    /// - Parameters:
    ///   - causes: Findings per cause, most frequent first.
    ///   - latency: Sync latency per entity.
    ///   - clock: How the two clocks were read.
    public init(causes: [CauseCount], latency: [Latency], clock: String) {
        self.causes = causes
        self.latency = latency
        self.clock = clock
    }

    /// Counts a run's findings per cause and attributes each cause with `attribute` (the cause table's
    /// `WebhookFailure` of a code). Causes are ordered by count, most frequent first, ties by code, so
    /// the same findings always give the same order.
    /// - Parameters:
    ///   - discrepancies: The run's findings; one without a cause counts as `unknown`.
    ///   - attribute: The failure of a cause code (called once per distinct code).
    ///   - latency: Sync latency per entity.
    ///   - clock: How the two clocks were read.
    public init(
        discrepancies: [Discrepancy], attribute: (String?) -> WebhookFailure?, latency: [Latency], clock: String
    ) {
        var counts: [String: (text: String?, failure: WebhookFailure?, count: Int)] = [:]
        for d in discrepancies {
            let code = d.cause ?? "unknown"
            if let known = counts[code] {
                counts[code] = (known.text, known.failure, known.count + 1)
            } else {
                counts[code] = (d.probableCause, attribute(d.cause), 1)
            }
        }
        causes = counts.map {
            CauseCount(cause: $0.key, failure: $0.value.failure, text: $0.value.text, count: $0.value.count)
        }
        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.cause < $1.cause }
        self.latency = latency
        self.clock = clock
    }

    /// Findings per failure of the real-time path, in `WebhookFailure` order (unattributed last).
    public var failures: [(failure: WebhookFailure?, count: Int)] {
        var counts: [WebhookFailure?: Int] = [:]
        for c in causes { counts[c.failure, default: 0] += c.count }
        return counts.sorted { a, b in
            switch (a.key, b.key) {
            case let (x?, y?): x < y
            case (.some, .none): true
            default: false
            }
        }.map { ($0.key, $0.value) }
    }

    /// The failure a cause code is attributed to in this run.
    /// - Parameter code: A cause code; `nil` is looked up as `unknown`.
    /// - Returns: The failure, or `nil` when the code did not occur in this run or is not attributed.
    public func failure(ofCause code: String?) -> WebhookFailure? {
        let code = code ?? "unknown"
        return causes.first { $0.cause == code }?.failure
    }
}
