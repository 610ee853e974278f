import BackstopModel
import Foundation

/// `report.json` as Codable values: the document ``JSONReportFormat`` encodes (pretty-printed, keys sorted)
/// and `schema/report.schema.json` describes. Every key the schema lists is always written, `null` when the
/// run has no value for it (``Nullable``).
struct ReportDocument: Encodable {
    /// `backstop.report/2` (``RunReport/schemaVersion``): bumped when a key changes meaning.
    var schema: String
    /// `backstop 0.9.0`: the program that wrote the report.
    @Nullable var generator: String?
    /// The run: id, kind, status, verdict, times, exit code.
    var run: Run
    /// What the run read (catalog endpoint, dumps, shop), credentials redacted.
    var inputs: [String: String]
    /// The stage table, in the order the stages ran.
    var stages: [Stage]
    /// Findings per discrepancy kind.
    var counts: [String: Int]
    /// Findings per severity (every severity, 0 included).
    var severity: [String: Int]
    /// All findings.
    var total: Int
    /// The snapshot time the reconciliation judged timestamps against.
    @Nullable var snapshot: Snapshot?
    /// The version of the Bitrix → catalog status map.
    @Nullable var statusMap: String?
    /// Rows compared per entity and side (`product.matched`, …).
    var rowsCompared: [String: Int]
    /// Orphan and dangling candidates withheld because the dump was partial.
    var withheldPartial: Int
    /// Systematic differences, counted once per field.
    var systematic: [Systematic]
    /// New, persisting and resolved findings against the earlier runs.
    @Nullable var history: History?
    /// The real-time path's health: findings per failure, sync latency.
    @Nullable var webhookHealth: Health?
    /// The similarity histogram of an index run.
    @Nullable var similarity: Similarity?
    /// Every finding, with its history state and attribution.
    var discrepancies: [DiscrepancyObject]
    /// The findings of the previous run that are gone now.
    var resolved: [DiscrepancyObject]

    enum CodingKeys: String, CodingKey {
        case schema, generator, run, inputs, stages, counts, severity, total, snapshot
        case statusMap = "status_map"
        case rowsCompared = "rows_compared"
        case withheldPartial = "withheld_partial"
        case systematic, history
        case webhookHealth = "webhook_health"
        case similarity, discrepancies, resolved
    }

    /// `run`: the ledger's record and the report's verdict.
    struct Run: Encodable {
        /// The run's id in `backstop.run`.
        var id: Int64
        /// `nightly`, `diff`, `reindex`, `apply`.
        var kind: String
        /// The ledger's status (`succeeded`, `drift`, `timed_out`, …).
        var status: String
        /// What the run's result means for a scheduler (`clean`, `drift`, …).
        var outcome: String
        /// One sentence for a person.
        var verdict: String
        /// When the run started (ISO 8601, UTC).
        var startedAt: String
        @Nullable var finishedAt: String?
        @Nullable var durationSeconds: Double?
        var dryRun: Bool
        @Nullable var exitCode: Int?
        var host: String
        @Nullable var error: String?
        @Nullable var stopReason: String?
        @Nullable var lastSuccessAt: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, status, outcome, verdict
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case durationSeconds = "duration_seconds"
            case dryRun = "dry_run"
            case exitCode = "exit_code"
            case host, error
            case stopReason = "stop_reason"
            case lastSuccessAt = "last_success_at"
        }
    }

    /// One line of the stage table.
    struct Stage: Encodable {
        var name: String
        var status: String
        var summary: String
        var seconds: Double
    }

    /// The snapshot time the reconciliation used and where it came from.
    struct Snapshot: Encodable {
        var time: String
        var source: String
        var explanation: String
    }

    /// A systematic difference counted once per field.
    struct Systematic: Encodable {
        var field: String
        var count: Int
        var explanation: String
    }

    /// A run of the history (the previous one, or a point of the trend).
    struct PastRun: Encodable {
        var id: Int64
        var startedAt: String
        var status: String
        var total: Int
        /// `run` in the trend, `id` for the previous run (the schema's names).
        var idKey: String

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(id, forKey: Key(idKey))
            try container.encode(startedAt, forKey: Key("started_at"))
            try container.encode(status, forKey: Key("status"))
            try container.encode(total, forKey: Key("total"))
        }
    }

    /// New, persisting and resolved findings against the previous runs.
    struct History: Encodable {
        @Nullable var previousRun: PastRun?
        var new: Int
        var persisting: Int
        var resolved: Int
        var resolvedComputed: Bool
        var trend: [PastRun]

        enum CodingKeys: String, CodingKey {
            case previousRun = "previous_run"
            case new, persisting, resolved
            case resolvedComputed = "resolved_computed"
            case trend
        }
    }

    /// The real-time path's health: findings per failure and cause, sync latency.
    struct Health: Encodable {
        struct Failure: Encodable {
            @Nullable var failure: String?
            @Nullable var title: String?
            var count: Int
        }
        struct Cause: Encodable {
            var cause: String
            @Nullable var failure: String?
            @Nullable var text: String?
            var count: Int
        }
        struct Latency: Encodable {
            var entity: String
            var pairs: Int
            var behind: Int
            @Nullable var p50Seconds: Int64?
            @Nullable var p95Seconds: Int64?
            @Nullable var maxSeconds: Int64?

            enum CodingKeys: String, CodingKey {
                case entity, pairs, behind
                case p50Seconds = "p50_seconds"
                case p95Seconds = "p95_seconds"
                case maxSeconds = "max_seconds"
            }
        }
        var failures: [Failure]
        var causes: [Cause]
        var latency: [Latency]
        var clock: String
    }

    /// The histogram of each product's best similarity.
    struct Similarity: Encodable {
        struct Bin: Encodable {
            var lower: Double
            var upper: Double
            var count: Int
        }
        var label: String
        @Nullable var threshold: Double?
        @Nullable var verifier: String?
        @Nullable var candidatePairs: Int?
        @Nullable var rejectedPairs: Int?
        var bins: [Bin]

        enum CodingKeys: String, CodingKey {
            case label, threshold, verifier
            case candidatePairs = "candidate_pairs"
            case rejectedPairs = "rejected_pairs"
            case bins
        }
    }
}

/// An optional value that is written as `null` when absent (synthesized `Encodable` would leave the key out).
@propertyWrapper
struct Nullable<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// One discrepancy as a JSON object (``DiscrepancyJSON``): `kind`, `entity`, `key`, `shop` (with a report
/// that names one), `field` (string or null), `item` (item-level kinds), `bitrix`, `catalog`, `cause`,
/// `action`, the normalised values where they differ, `rule`, `probable_cause`, `severity`, `measures`
/// (an `image.duplicate` pair's scores and transform), and with a report the `webhook_failure` it is
/// attributed to and (with history) its `state`, `first_seen_run` and `first_seen_at`.
struct DiscrepancyObject: Encodable {
    var discrepancy: Discrepancy
    var shop: Int64?
    var state: String?
    var firstSeenRun: Int64?
    var firstSeenAt: String?
    /// Whether the key is written at all (a report with webhook health), and its value.
    var webhookFailure: String??

    enum CodingKeys: String, CodingKey {
        case kind, entity, key, shop, field, item, bitrix, catalog, cause, action
        case bitrixNormalized = "bitrix_normalized"
        case catalogNormalized = "catalog_normalized"
        case rule
        case probableCause = "probable_cause"
        case severity, measures, state
        case firstSeenRun = "first_seen_run"
        case firstSeenAt = "first_seen_at"
        case webhookFailure = "webhook_failure"
    }

    func encode(to encoder: any Encoder) throws {
        let d = discrepancy
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(d.kind.rawValue, forKey: .kind)
        try c.encode(d.entity, forKey: .entity)
        try c.encode(d.key, forKey: .key)
        try c.encodeIfPresent(shop, forKey: .shop)
        try c.encode(Nullable(wrappedValue: d.field), forKey: .field)
        try c.encodeIfPresent(d.item, forKey: .item)
        try c.encode(Nullable(wrappedValue: d.bitrixValue), forKey: .bitrix)
        try c.encode(Nullable(wrappedValue: d.catalogValue), forKey: .catalog)
        try c.encode(Nullable(wrappedValue: d.cause), forKey: .cause)
        try c.encode(Nullable(wrappedValue: d.action), forKey: .action)
        if d.bitrixNormalized != d.bitrixValue {
            try c.encode(Nullable(wrappedValue: d.bitrixNormalized), forKey: .bitrixNormalized)
        }
        if d.catalogNormalized != d.catalogValue {
            try c.encode(Nullable(wrappedValue: d.catalogNormalized), forKey: .catalogNormalized)
        }
        try c.encodeIfPresent(d.parser, forKey: .rule)
        try c.encodeIfPresent(d.probableCause, forKey: .probableCause)
        try c.encode(d.severity.rawValue, forKey: .severity)
        if let measures = d.measures, !measures.isEmpty {
            try c.encode(measures.mapValues(JSONNumber.init), forKey: .measures)
        }
        try c.encodeIfPresent(state, forKey: .state)
        try c.encodeIfPresent(firstSeenRun, forKey: .firstSeenRun)
        try c.encodeIfPresent(firstSeenAt, forKey: .firstSeenAt)
        if let webhookFailure { try c.encode(Nullable(wrappedValue: webhookFailure), forKey: .webhookFailure) }
    }
}

/// A measure: whole numbers as integers (`20`, not `20.0`), others as the shortest double that reads back.
struct JSONNumber: Encodable {
    var value: Double

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value == value.rounded() && abs(value) < 1e15 {
            try container.encode(Int64(value))
        } else {
            try container.encode(value)
        }
    }
}
