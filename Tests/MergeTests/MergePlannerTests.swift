import BackstopExtract
import BackstopMerge
import BackstopModel
import BackstopReconcile
import BackstopTestSupport
import Foundation
import Synchronization
import Testing

/// Merge planning on a small hand-made pair of sides: the policy's defaults, dependency order, skips with
/// reasons instead of truncation, the plan's invariants, plan.json and the safety valve.
@Suite struct MergePlannerTests {
    static let shop: Int64 = 17008
    static let longName = String(repeating: "Розы ", count: 50)  // 250 characters

    func product(
        _ id: Int64, shop: Int64 = shop, name: String = "Розы", price: Int64 = 495_000, enabled: Bool = true,
        images: [String] = ["https://cvety.kz/upload/a.jpg"]
    ) -> CanonicalProduct {
        CanonicalProduct(
            id: id, shopID: shop, name: name, price: Kopecks(price), enabled: enabled, type: .catalog, width: 40,
            height: 60,
            image: images.first, images: images, createdAt: "2025-01-01 00:00:00")
    }

    func order(
        _ bitrixID: Int64?, catalog: Int64, code: String? = nil, status: OrderStatus? = nil,
        phone: String = "+77011234567"
    )
        -> CanonicalOrder
    {
        CanonicalOrder(
            bitrixID: bitrixID, catalogID: catalog, shopID: Self.shop, bitrixStatus: code, status: status,
            total: Kopecks(500_000), deliveryCost: Kopecks(0), currency: "KZT", userID: code == nil ? nil : 1,
            customerName: "Анна", phone: phone, items: [], subtotal: Kopecks(500_000))
    }

    func record(_ order: CanonicalOrder) -> CatalogOrder {
        CatalogOrder(
            order: order, orderNumber: "#\(order.catalogID ?? 0)", trackingID: "000000000",
            statusName: order.status?.rawValue ?? "", subtotal: order.subtotal ?? Kopecks(0),
            rawPhone: order.phone ?? "",
            rawRecipientPhone: nil, deliveryType: "scheduled", items: [])
    }

    /// Bitrix and catalog sides with one of each planned action, a long name, a status the catalog's enum
    /// lacks, a row of another shop and an order field the catalog wins.
    func sides(partial: Bool = false) -> ReconcileInput {
        let bitrix = [
            product(100),  // missing → insert
            product(102, name: Self.longName, price: 600_000),  // price → update; name too long → skip
            product(103, images: ["https://cvety.kz/upload/b.jpg", "https://cvety.kz/upload/c.jpg"]),  // images missing
            product(104, images: ["https://cvety.kz/upload/new.jpg"]),  // image + images → two steps
            product(105),  // catalog row in shop 8 → product.shop, report
        ]
        let catalog = [
            product(101),  // orphan → soft delete
            product(102), product(103, images: []), product(104, images: ["https://cvety.kz/upload/old.jpg"]),
            product(105, shop: 8),
        ]
        let bitrixOrders = [
            order(500, catalog: 1, code: "F"), order(501, catalog: 2, code: "F"), order(502, catalog: 3, code: "DE"),
            order(503, catalog: 4, code: "F", phone: "+77019999999"),
        ]
        let catalogOrders = [
            record(order(500, catalog: 1, status: .assembled)),  // status → update_status
            record(order(nil, catalog: 2, status: .delivered)),  // link missing → backfill
            record(order(502, catalog: 3, status: .assembled)),  // DE → IN_DELIVERY, a label this catalog lacks
            record(order(503, catalog: 4, status: .delivered)),  // phone edited in the catalog → Bitrix-side change
        ]
        return ReconcileInput(
            bitrix: BitrixSnapshot(
                products: bitrix, orders: bitrixOrders,
                snapshot: SnapshotTime(text: "2025-10-25 03:00:00", source: .footer),
                elementIDs: IDSet([100, 102, 103, 104, 105, 17008]), orderIDs: IDSet([500, 501, 502, 503]),
                userIDs: IDSet([1])),
            catalogProducts: catalog, catalogOrders: catalogOrders,
            productSequence: CatalogSequence(
                name: "public.product_id_seq", lastValue: 1000, isCalled: true, increment: 1),
            partial: partial)
    }

    func state(_ input: ReconcileInput) -> CatalogState {
        var products: [Int64: RowVersion] = [:]
        for p in input.catalogProducts where p.shopID == Self.shop {
            products[p.id] = RowVersion(xmin: 700 + p.id, checksum: "p\(p.id)")
        }
        var orders: [Int64: RowVersion] = [:]
        for o in input.catalogOrders {
            if let id = o.order.catalogID { orders[id] = RowVersion(xmin: 900 + id, checksum: "o\(id)") }
        }
        return CatalogState(
            versions: CatalogVersions(products: products, orders: orders),
            facts: CatalogFacts(
                fingerprint: "pg:1/2/cvety", endpoint: "test",
                enumLabels: [
                    "orderstatus": ["NEW", "PAID", "ACCEPTED", "ASSEMBLED", "DELIVERED", "CANCELLED"],
                    "producttype": ["FLOWERS", "VITRINA", "CATALOG"],
                ],
                columnLimits: ["product.name": 200, "product.image": 500, "productimage.url": 500]))
    }

    func planning(_ policy: MergePolicy? = nil, partial: Bool = false) throws -> MergePlanning {
        let input = sides(partial: partial)
        let result = Reconciler(configuration: ReconcileConfiguration()).reconcile(input)
        let planner = MergePlanner(shopID: Self.shop, policy: try policy ?? MergePolicy(), sequenceHeadroom: 1_000_000)
        return planner.plan(result, input: input, catalog: state(input))
    }

    func step(_ plan: MergePlan, _ entity: String, _ target: Int64, _ action: PlanAction) -> PlanStep? {
        plan.steps.first { $0.entity == entity && $0.target == target && $0.action == action }
    }

    @Test func theDefaultPolicyPlansTheIssuesFixesInDependencyOrder() throws {
        let planning = try planning()
        let plan = planning.plan
        #expect(plan.invariantViolations().isEmpty, "\(plan.invariantViolations())")
        #expect(plan.steps.map(\.seq) == Array(1...plan.steps.count))
        #expect(plan.steps.map(\.phase) == plan.steps.map(\.phase).sorted(), "phases never go back")

        let insert = try #require(step(plan, "product", 100, .insert))
        #expect(insert.version == nil, "an insert expects no row")
        #expect(insert.set["shop_id"] == .integer(17008) && insert.set["type"] == .text("FLOWERS"))
        #expect(insert.set["images"] == .texts(["https://cvety.kz/upload/a.jpg"]), "inserted with its image rows")
        #expect(step(plan, "product", 101, .softDelete)?.set == ["enabled": .bool(false)])
        #expect(step(plan, "productimage", 103, .insertImages)?.set["images"]?.texts?.count == 2)
        let image = try #require(step(plan, "product", 104, .update))
        let images = try #require(step(plan, "productimage", 104, .update))
        #expect(image.seq < images.seq, "the product row before its image rows")
        #expect(image.version == RowVersion(xmin: 804, checksum: "p104"), "planned against the snapshot's version")
        let status = try #require(step(plan, "order", 1, .updateStatus))
        #expect(status.set == ["status": .text("DELIVERED")] && status.was == ["status": .text("ASSEMBLED")])
        #expect(status.key == "500", "the finding's key is the Bitrix order; the target the catalog row")
        let link = try #require(step(plan, "order", 2, .backfillLink))
        #expect(link.set == ["bitrix_order_id": .integer(501)] && status.seq < link.seq)
        let sequence = try #require(plan.steps.last)
        #expect(sequence.action == .advanceSequence && sequence.set["last_value"] == .integer(17008 + 1_000_000))

        let actions = Dictionary(
            planning.changes.map { ("\($0.kind.rawValue) \($0.key) \($0.field ?? "-")", $0.action) },
            uniquingKeysWith: { a, _ in a })
        #expect(actions["product.shop 105 shop_id"] == .report, "another shop's row is never written")
        #expect(actions["order.field 503 phone"] == .bitrixChange, "the catalog wins an edited order field")
        #expect(planning.bitrixChanges.map(\.key) == ["503"])
        #expect(plan.bitrixChanges == 1)
        #expect(!plan.steps.contains { $0.target == 105 || $0.target == 4 }, "no step for report or Bitrix-side rows")
    }

    @Test func whatCannotBeAppliedAsItStandsIsASkipWithItsReasonNeverATruncation() throws {
        let planning = try planning()
        let plan = planning.plan
        let update = try #require(step(plan, "product", 102, .update))
        #expect(update.set == ["price": .integer(600_000)], "the good column still goes")
        #expect(update.resolves == ["product.field price"])
        let skip = try #require(plan.steps.first { $0.action == .skip && $0.target == 102 })
        #expect(skip.intended == .update && skip.set["name"] == .text(Self.longName))
        #expect(skip.reason?.contains("250 characters; product.name holds 200") == true, "\(skip.reason ?? "")")
        let status = try #require(plan.steps.first { $0.action == .skip && $0.target == 3 })
        #expect(status.reason == "the catalog's orderstatus enum has no label IN_DELIVERY")
        let actions = Dictionary(
            planning.changes.map { ("\($0.kind.rawValue) \($0.key) \($0.field ?? "-")", $0.action) },
            uniquingKeysWith: { a, _ in a })
        #expect(actions["product.field 102 name"] == .skip, "the finding's action says so")
        #expect(actions["product.field 102 price"] == .update)
        #expect(actions["order.status 502 status"] == .skip)
        #expect(plan.invariantViolations().isEmpty)
    }

    @Test func aConfiguredPolicyMovesAFieldToTheBitrixSide() throws {
        let planning = try planning(
            try MergePolicy(overrides: ["product.field.price": "catalog", "product.field.width": "bitrix"]))
        #expect(step(planning.plan, "product", 102, .update) == nil, "price now goes to Bitrix; the name is a skip")
        #expect(planning.bitrixChanges.contains { $0.key == "102" && $0.field == "price" })
        #expect(planning.plan.policy["product.field.price"] == "catalog")
    }

    @Test func thePolicyRefusesWhatItMustNotDo() {
        #expect(throws: MergeError.self) { try MergePolicy(overrides: ["product.feld.price": "bitrix"]) }
        #expect(throws: MergeError.self) { try MergePolicy(overrides: ["product.shop": "bitrix"]) }
        #expect(throws: MergeError.self) { try MergePolicy(overrides: ["order.dangling_product": "catalog"]) }
        #expect(throws: MergeError.self) { try MergePolicy(overrides: ["order.field": "bitrix"]) }
        #expect(throws: MergeError.self) { try MergePolicy(overrides: ["product.missing": "yes"]) }
        #expect(throws: Never.self) {
            try MergePolicy(overrides: ["order.status": "report", "order.field.phone": "report"])
        }
    }

    @Test func theInvariantsCatchABrokenPlan() throws {
        let plan = try planning().plan
        var swapped = plan
        swapped.steps.swapAt(0, swapped.steps.count - 1)
        #expect(!swapped.invariantViolations().isEmpty, "order broken")
        var deleted = plan
        let insert = try #require(step(plan, "product", 100, .insert))
        deleted.steps.insert(
            PlanStep(
                seq: 0, phase: .products, action: .softDelete, entity: "product", target: insert.target, key: "100",
                resolves: ["product.orphan"], set: ["enabled": .bool(false)],
                version: RowVersion(xmin: 1, checksum: "x")),
            at: insert.seq)
        for i in deleted.steps.indices { deleted.steps[i].seq = i + 1 }
        #expect(deleted.invariantViolations().contains { $0.contains("both inserted and soft-deleted") })
        var unversioned = plan
        if let i = unversioned.steps.firstIndex(where: { $0.action == .softDelete }) {
            unversioned.steps[i].version = nil
        }
        #expect(unversioned.invariantViolations().contains { $0.contains("no planned row version") })
    }

    /// plan.json is the plan through Codable: it reads back as the same plan, its bytes are the encoder's
    /// compact document (keys sorted) with line breaks only between steps, one step a line, and a plan of
    /// another format is refused.
    @Test func planJSONIsTheCodablePlanOneStepALineAndReadsBackAsTheSamePlan() throws {
        var plan = try planning().plan
        plan.planID = 7
        plan.runID = 42
        let bytes = plan.jsonBytes()
        #expect(try MergePlan(json: Data(bytes)) == plan)

        // Exactly JSONEncoder's output (sorted keys, compact) once the layout's line breaks are taken out:
        // a raw line break never occurs inside JSON text (strings escape it).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(bytes.filter { $0 != 0x0A } == Array(try encoder.encode(plan)))

        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == plan.steps.count + 3, "the header, one line a step, `]}` and the final newline")
        #expect(lines.first?.hasPrefix(#"{"base":{"orders":"#) == true && lines.first?.hasSuffix(#""steps":["#) == true)
        for (line, step) in zip(lines.dropFirst(), plan.steps) {
            let text = line.hasSuffix(",") ? line.dropLast() : line
            #expect(
                try JSONDecoder().decode(PlanStep.self, from: Data(text.utf8)) == step, "step \(step.seq) on its line")
        }
        #expect(lines.suffix(2) == ["]}", ""])
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(
            Set(header.keys) == [
                "base", "bitrix_changes", "endpoint", "fingerprint", "format", "partial", "plan", "policy", "reported",
                "run", "shop", "snapshot", "steps",
            ])

        // A plan with no step is a document too.
        var empty = plan
        empty.steps = []
        #expect(try MergePlan(json: Data(empty.jsonBytes())) == empty)
        #expect(String(decoding: empty.jsonBytes(), as: UTF8.self).hasSuffix(#""steps":[]}"# + "\n"))

        let future = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: #""format":1,"#, with: #""format":2,"#)
        #expect(future != String(decoding: bytes, as: UTF8.self))
        #expect(throws: DecodingError.self) { try MergePlan(json: Data(future.utf8)) }
    }

    /// bitrix_changes.ndjson: one object a line through Codable (keys sorted), each with the contract's keys:
    /// `kind`, `entity`, `key`, `bitrix`, `catalog` (null when absent), `cause`, `probable_cause`, and
    /// `field`, `item`, `catalog_id` only when the change has them.
    @Test func bitrixChangesAreOneCodableObjectALineWithTheContractsKeys() throws {
        let planning = try planning(
            try MergePolicy(overrides: ["product.field.price": "catalog", "product.field.width": "bitrix"]))
        let causes = CauseRules(configuration: ReconcileConfiguration())
        let changes = planning.bitrixChanges
        try #require(changes.count >= 2, "an order field and a product price go to the Bitrix side")
        let bytes = try PlanFiles.bitrixChangesBytes(changes, causes: causes)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == changes.count + 1 && lines.last == "", "one line a change, each ending in a newline")
        let required: Set<String> = ["kind", "entity", "key", "bitrix", "catalog", "cause", "probable_cause"]
        for (line, change) in zip(lines, changes) {
            let decoded = try JSONDecoder().decode(BitrixChangeLine.self, from: Data(line.utf8))
            #expect(decoded == BitrixChangeLine(change, causes: causes))
            #expect(decoded.kind == change.kind.rawValue && decoded.key == change.key && decoded.field == change.field)
            #expect(decoded.bitrix == change.bitrix.raw && decoded.catalog == change.catalog.raw)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let keys = Set(object.keys)
            #expect(required.isSubset(of: keys), "\(line)")
            #expect(keys.subtracting(required).isSubset(of: ["field", "item", "catalog_id"]), "\(line)")
            #expect(
                (object["field"] != nil) == (change.field != nil)
                    && (object["catalog_id"] != nil) == (change.catalogID != nil))
            let names = try JSONKeyOrder.topLevelKeys(of: String(line))
            #expect(names == names.sorted(), "keys sorted: \(line)")
        }
        #expect(try PlanFiles.bitrixChangesBytes([], causes: causes).isEmpty, "no change: an empty file")
    }

    /// What PlanFiles writes validates against schema/plan.schema.json and schema/bitrix-change.schema.json
    /// (python3-jsonschema, as report.json is checked), and a step the schema forbids is caught.
    @Test func thePlanFilesValidateAgainstTheirSchemas() async throws {
        try #require(JSONSchemaCheck.isAvailable, "python3 with python3-jsonschema is installed by make setup")
        let planning = try planning(
            try MergePolicy(overrides: ["product.field.price": "catalog", "product.field.width": "bitrix"]))
        var plan = planning.plan
        plan.planID = 7
        plan.runID = 42
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plan-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try PlanFiles.write(
            planning, plan: plan, causes: CauseRules(configuration: ReconcileConfiguration()), to: folder)
        let planText = try String(contentsOf: folder.appendingPathComponent(PlanFiles.planFile), encoding: .utf8)
        #expect(plan.steps.contains { $0.action == .skip } && plan.steps.contains { $0.version != nil })
        var unstored = plan
        unstored.planID = nil
        unstored.runID = nil
        let plans = [planText, String(decoding: unstored.jsonBytes(), as: UTF8.self)]
        #expect(try await JSONSchemaCheck.violations(schema: "plan.schema.json", documents: plans) == [])
        let lines = try String(contentsOf: folder.appendingPathComponent(PlanFiles.bitrixChangesFile), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines.count == planning.bitrixChanges.count && lines.count >= 2)
        #expect(try await JSONSchemaCheck.violations(schema: "bitrix-change.schema.json", documents: lines) == [])

        // The check can fail: an unknown action and a line without its cause are both named.
        let broken = planText.replacingOccurrences(of: #""action":"update""#, with: #""action":"upsert""#)
        #expect(broken != planText)
        let found = try await JSONSchemaCheck.violations(schema: "plan.schema.json", documents: [broken])
        #expect(found.contains { $0.contains("action") && $0.contains("upsert") }, "\(found)")
        let causeless = lines[0].replacingOccurrences(of: #""cause":"#, with: #""kause":"#)
        #expect(
            try await JSONSchemaCheck.violations(schema: "bitrix-change.schema.json", documents: [causeless]).count >= 1
        )
    }

    /// Rewriting a run's plan files replaces them in one step: a reader polling `plan.json` while the plan is
    /// written again and again always finds a whole file (removing the old file before the rename left a gap
    /// in which a reviewer's `cat` or `backstop apply --plan` found none).
    @Test func rewritingThePlanFilesNeverLeavesAReaderWithoutAFile() throws {
        let planning = try planning()
        var plan = planning.plan
        plan.planID = 7
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plan-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let causes = CauseRules(configuration: ReconcileConfiguration())
        try PlanFiles.write(planning, plan: plan, causes: causes, to: folder)
        let path = folder.appendingPathComponent(PlanFiles.planFile).path
        let expected = plan.jsonBytes().count
        let done = Atomic<Bool>(false)
        let gaps = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let reader = Thread {
            while !done.load(ordering: .acquiring) {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
                if size != expected { gaps.add(1, ordering: .relaxed) }
                reads.add(1, ordering: .relaxed)
            }
        }
        reader.start()
        for _ in 0..<400 { try PlanFiles.write(planning, plan: plan, causes: causes, to: folder) }
        done.store(true, ordering: .releasing)
        while !reader.isFinished { usleep(1000) }
        #expect(reads.load(ordering: .relaxed) > 0)
        #expect(gaps.load(ordering: .relaxed) == 0, "a reader found no plan.json, or half of one")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "no temporary file stays behind: \(leftovers)")
    }

    @Test func theSafetyValveRefusesPartialInputAnotherCatalogAndTooMuch() throws {
        let plan = try planning().plan
        // 2 of 4 shop products taken offline or updated: 50 %.
        let valve = SafetyValve(maxSoftDeleteShare: 0.05, maxUpdateShare: 0.05)
        let measure = SafetyValve.measure(plan)
        #expect(measure.softDeletes == 1 && measure.productUpdates == 3 && measure.orderUpdates == 2)
        let refusals = valve.check(plan, fingerprint: plan.fingerprint)
        #expect(Set(refusals.map(\.code)) == [.softDeleteThreshold, .updateThreshold])
        #expect(refusals.allSatisfy { $0.isOverridable })
        #expect(
            refusals[0].message.contains("1 of shop 17008's 4 products would be taken offline (25.0 %; limit 5.0 %"))
        #expect(
            SafetyValve(maxSoftDeleteShare: 1, maxUpdateShare: 1).check(plan, fingerprint: plan.fingerprint).isEmpty)

        let elsewhere = SafetyValve(maxSoftDeleteShare: 1, maxUpdateShare: 1).check(plan, fingerprint: "pg:1/3/other")
        #expect(elsewhere.map(\.code) == [.otherCatalog] && !elsewhere[0].isOverridable)
        let partial = try planning(partial: true).plan
        let refused = SafetyValve(maxSoftDeleteShare: 1, maxUpdateShare: 1).check(
            partial, fingerprint: partial.fingerprint)
        #expect(refused.map(\.code) == [.partialInput] && !refused[0].isOverridable)
    }
}

/// The key order of a JSON object as written (JSONSerialization and JSONDecoder forget it).
enum JSONKeyOrder {
    /// The top-level keys of a one-object document, in the order they appear.
    /// - Parameter text: A JSON object.
    /// - Returns: Its keys, in order.
    /// - Throws: `DecodingError` when a key is not a JSON string.
    static func topLevelKeys(of text: String) throws -> [String] {
        var keys: [String] = []
        var depth = 0
        var index = text.startIndex
        var expectKey = false
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case "{", "[":
                depth += 1
                expectKey = character == "{" && depth == 1
            case "}", "]": depth -= 1
            case ",": expectKey = depth == 1
            case "\"":
                // A string: find its end (skipping escapes); at depth 1 after `{` or `,` it is a key.
                var end = text.index(after: index)
                while text[end] != "\"" { end = text.index(end, offsetBy: text[end] == "\\" ? 2 : 1) }
                if expectKey {
                    keys.append(try JSONDecoder().decode(String.self, from: Data(text[index...end].utf8)))
                    expectKey = false
                }
                index = end
            default: break
            }
            index = text.index(after: index)
        }
        return keys
    }
}
