/// A merge plan: the ordered, ID-preserving catalog writes that bring one shop of the catalog in line with
/// Bitrix, each planned against the version of the row it changes. Made by the reconcile stage from a run's
/// changes, stored in `backstop.plan`/`backstop.plan_step`, written as `plan.json` beside the report, and
/// applied only on request (`backstop apply`).
public struct MergePlan: Sendable, Hashable, Codable {
    /// The `plan.json` format this build writes and reads.
    public static let currentFormat = 1

    /// The document format (``currentFormat``).
    public var format: Int
    /// The plan's id in `backstop.plan`, once stored.
    public var planID: Int64?
    /// The run that made the plan.
    public var runID: Int64?
    /// The shop the plan writes (never a row of another shop).
    public var shopID: Int64
    /// The catalog the plan was made against (the text of `CatalogReader.fingerprint()` in BackstopExtract);
    /// another catalog refuses it.
    public var fingerprint: String
    /// Host, port and database of that catalog, for people (never a password).
    public var endpoint: String
    /// The dump's snapshot time ("now" of the comparison).
    public var snapshot: String
    /// Whether the input was partial (a truncated dump): such a plan is never applied.
    public var partial: Bool
    /// The conflict policy the plan was made with: selector → `bitrix`, `catalog` or `report`.
    public var policy: [String: String]
    /// The shop's row counts the safety valve's shares are taken of.
    public var base: Base
    /// Changes that became Bitrix-side changes (`bitrix_changes.ndjson`), never catalog writes.
    public var bitrixChanges: Int
    /// Changes left for a person (`report`).
    public var reported: Int
    /// The steps in dependency order (``PlanPhase``), `seq` 1, 2, 3, …
    public var steps: [PlanStep]

    /// The shop's size when the plan was made.
    public struct Base: Sendable, Hashable, Codable {
        /// The shop's catalog products.
        public var products: Int
        /// The shop's catalog orders.
        public var orders: Int

        /// Records the shop's product and order counts at planning time.
        public init(products: Int, orders: Int) {
            self.products = products
            self.orders = orders
        }
    }

    /// Assembles a plan in the current format (``currentFormat``); the planner numbers the steps, so `steps`
    /// arrive in dependency order with `seq` set. A plan is not stored until the plan store gives it a
    /// ``planID``.
    public init(
        planID: Int64? = nil, runID: Int64? = nil, shopID: Int64, fingerprint: String, endpoint: String,
        snapshot: String, partial: Bool, policy: [String: String], base: Base, bitrixChanges: Int = 0,
        reported: Int = 0, steps: [PlanStep]
    ) {
        self.format = Self.currentFormat
        self.planID = planID
        self.runID = runID
        self.shopID = shopID
        self.fingerprint = fingerprint
        self.endpoint = endpoint
        self.snapshot = snapshot
        self.partial = partial
        self.policy = policy
        self.base = base
        self.bitrixChanges = bitrixChanges
        self.reported = reported
        self.steps = steps
    }

    /// Steps per action (`insert` → 19, …), skips included.
    public var countsByAction: [PlanAction: Int] {
        steps.reduce(into: [:]) { $0[$1.action, default: 0] += 1 }
    }

    /// The steps that write the catalog (everything but `skip`).
    public var writeCount: Int { steps.count { $0.action != .skip } }

    enum CodingKeys: String, CodingKey {
        case format, planID = "plan", runID = "run", shopID = "shop", fingerprint, endpoint, snapshot, partial, policy
        case base, bitrixChanges = "bitrix_changes", reported, steps
    }
}

/// The dependency order of a plan: parents before children, links after the rows they link, sequences
/// last. Upstream's own order sync failed on 62 % of orders by writing children first.
public enum PlanPhase: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// `shop` rows.
    case shops
    /// `"user"` rows.
    case users
    /// `client` rows.
    case clients
    /// `product` rows (insert with the preserved id, update, soft delete).
    case products
    /// `productimage` rows of products that exist by then.
    case productImages = "product_images"
    /// `"order"` rows (status, with its `orderhistory` row in the same transaction).
    case orders
    /// `orderitem` rows.
    case orderItems = "order_items"
    /// `orderhistory` rows on their own.
    case orderHistory = "order_history"
    /// Cross-system links (`"order".bitrix_order_id`).
    case links
    /// Sequences advanced past the Bitrix id range (not transactional: always last).
    case sequences

    /// The phase's place in the order (0 = first).
    public var rank: Int {
        switch self {
        case .shops: 0
        case .users: 1
        case .clients: 2
        case .products: 3
        case .productImages: 4
        case .orders: 5
        case .orderItems: 6
        case .orderHistory: 7
        case .links: 8
        case .sequences: 9
        }
    }

    /// Orders phases by ``rank``.
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// What a step does. The raw values are the actions findings carry (`Discrepancy.action`).
public enum PlanAction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Insert the row with its preserved id (a product: with its image rows, as the webhook's create does).
    case insert
    /// Update the named columns (`set`).
    case update
    /// `enabled = false` (never a hard delete).
    case softDelete = "soft_delete"
    /// Insert the image rows of a product that has none.
    case insertImages = "insert_images"
    /// Set the order status and append `orderhistory` (`changed_by = 'backstop'`).
    case updateStatus = "update_status"
    /// Back-fill `"order".bitrix_order_id`.
    case backfillLink = "backfill_link"
    /// Advance a sequence past the Bitrix id range.
    case advanceSequence = "advance_sequence"
    /// Nothing is written: the step cannot be applied as it stands (``PlanStep/reason`` says why).
    case skip

    /// Orders actions by name.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A row's version as a step was planned against it: `xmin` and a checksum of the compared columns,
/// read in the extract's snapshot. A row whose version differs at apply time was written since (a
/// webhook): the step is skipped, never overwriting it.
public struct RowVersion: Sendable, Hashable, Codable {
    /// The row's `xmin` (the transaction that wrote this version).
    public var xmin: Int64
    /// md5 of the compared columns (for a product: with its image rows).
    public var checksum: String

    /// Records a row's version as read with the compared rows (`xmin` and the checksum the catalog reader
    /// computed in the same snapshot).
    public init(xmin: Int64, checksum: String) {
        self.xmin = xmin
        self.checksum = checksum
    }
}

/// A column value in a plan: what a step sets (`set`) or found (`was`).
public enum PlanValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// SQL NULL.
    case null
    /// A boolean.
    case bool(Bool)
    /// An integer (ids, kopecks, centimetres).
    case integer(Int64)
    /// Text (names, URLs, enum NAMES).
    case text(String)
    /// An ordered list of text (a product's image URLs).
    case texts([String])

    /// Decodes JSON null, a boolean, an integer, a string or an array of strings.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(String.self) {
            self = .text(value)
        } else {
            self = .texts(try container.decode([String].self))
        }
    }

    /// Encodes the plain JSON value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .texts(let value): try container.encode(value)
        }
    }

    /// The text, when this is text.
    public var text: String? { if case .text(let value) = self { value } else { nil } }
    /// The integer, when this is an integer.
    public var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    /// The boolean, when this is a boolean.
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The list, when this is a list.
    public var texts: [String]? { if case .texts(let value) = self { value } else { nil } }
    /// Whether this is SQL NULL.
    public var isNull: Bool { self == .null }

    /// The value as it reads in a plan listing (`NULL`, `true`, `4950`, `"name"`, `[2 urls]`).
    public var description: String {
        switch self {
        case .null: "NULL"
        case .bool(let value): String(value)
        case .integer(let value): String(value)
        case .text(let value): jsonString(value)
        case .texts(let value): "[\(value.count) " + (value.count == 1 ? "item]" : "items]")
        }
    }
}

/// One step of a plan: one row, one action, the findings it resolves.
public struct PlanStep: Sendable, Hashable, Codable {
    /// The position in the plan (1-based, dependency order).
    public var seq: Int
    /// The phase (dependency order).
    public var phase: PlanPhase
    /// What the step does.
    public var action: PlanAction
    /// The table written: `product`, `productimage`, `order`, `sequence`.
    public var entity: String
    /// The catalog row's id (`product.id`, `"order".id`); `nil` for a sequence.
    public var target: Int64?
    /// The finding's key (product id, Bitrix order id, sequence name).
    public var key: String
    /// The findings the step resolves, as `kind` or `kind field` (`product.field price`).
    public var resolves: [String]
    /// The columns set, by column name (`images` for a product's image list).
    public var set: [String: PlanValue]
    /// What those columns held when planned.
    public var was: [String: PlanValue]
    /// The row's version when planned; `nil` for an insert (the row must not exist) and a sequence.
    public var version: RowVersion?
    /// For a `skip`: the action it would have been.
    public var intended: PlanAction?
    /// For a `skip`: why it cannot be applied as it stands.
    public var reason: String?

    /// Describes one step; `seq` is 0 until the planner numbers the plan, and `intended` and `reason` are
    /// set only for a ``PlanAction/skip``.
    public init(
        seq: Int = 0, phase: PlanPhase, action: PlanAction, entity: String, target: Int64?, key: String,
        resolves: [String], set: [String: PlanValue] = [:], was: [String: PlanValue] = [:], version: RowVersion? = nil,
        intended: PlanAction? = nil, reason: String? = nil
    ) {
        self.seq = seq
        self.phase = phase
        self.action = action
        self.entity = entity
        self.target = target
        self.key = key
        self.resolves = resolves
        self.set = set
        self.was = was
        self.version = version
        self.intended = intended
        self.reason = reason
    }

    /// This step turned into a `skip` with its reason (nothing is written); ``intended`` keeps the action it
    /// would have been, so reports can say what was not done.
    /// - Parameter reason: Why it cannot be applied as it stands (`name is 240 characters; product.name
    ///   holds 200`).
    /// - Returns: The skipped step, with its `set` and `was` kept for the reader.
    public func skipped(_ reason: String) -> PlanStep {
        var step = self
        step.intended = action
        step.action = .skip
        step.reason = reason
        return step
    }
}

/// What became of a step when a plan was applied.
public enum StepOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Written.
    case applied
    /// Not written: the row changed since it was planned (a concurrent write), or an insert's id exists.
    case conflict
    /// Not written: the plan skips it (``PlanStep/reason``).
    case skipped
}
