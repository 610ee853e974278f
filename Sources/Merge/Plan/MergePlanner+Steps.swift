import BackstopModel
import BackstopExtract
import BackstopReconcile

extension MergePlanner {
    /// The lookups planning needs, built once per plan.
    struct Context {
        /// The shop, policy and headroom.
        let planner: MergePlanner
        /// The compared rows, where the values a step writes come from.
        let input: ReconcileInput
        /// Versions and facts.
        let catalog: CatalogState
        /// Bitrix product id → its position in `input.bitrix.products` (the first of a duplicated id):
        /// positions rather than copies of the products, 16 bytes an id where a product is ~180 (a
        /// dictionary of a million products was ~400 MB at the `l` world).
        let bitrixPositions: [Int64: Int]
        /// Catalog product id → its position in `input.catalogProducts`, for the `was` values.
        let catalogPositions: [Int64: Int]
        /// Bitrix order id (of the planned keys) → the catalog orders (any shop) that already link to it: a back-fill that would
        /// give a second order the same link is skipped (two orders under one Bitrix id break the status
        /// webhook).
        let links: [Int64: [Int64]]

        /// Builds the lookups in one pass over each input, keeping the positions of the products `keys` name
        /// only (a fleet plans once per shop: the lookups of a shop with 20 changes stay 20 entries, not the
        /// catalog's 100 000 products copied and hashed again).
        /// - Parameters:
        ///   - planner: The shop, policy and headroom.
        ///   - input: The compared rows.
        ///   - catalog: Versions and facts.
        ///   - keys: The keys of the changes being planned (product ids among them).
        init(planner: MergePlanner, input: ReconcileInput, catalog: CatalogState, keys: Set<Int64>) {
            self.planner = planner
            self.input = input
            self.catalog = catalog
            bitrixPositions = Self.positions(input.bitrix.products, of: keys)
            catalogPositions = Self.positions(input.catalogProducts, of: keys)
            var links: [Int64: [Int64]] = [:]
            let orders = input.catalogOrders
            for k in orders.indices {
                if let bitrixID = orders[k].order.bitrixID, keys.contains(bitrixID), let id = orders[k].order.catalogID
                {
                    links[bitrixID, default: []].append(id)
                }
            }
            self.links = links
        }

        /// Product id → position in `products` for the ids in `wanted`, the first of a duplicated id winning.
        /// Reads each product's id in place (no copy of the product, whose strings would be retained).
        /// - Parameters:
        ///   - products: The products, in any order.
        ///   - wanted: The ids to find.
        /// - Returns: The position of each wanted id present.
        static func positions(_ products: [CanonicalProduct], of wanted: Set<Int64>) -> [Int64: Int] {
            var positions: [Int64: Int] = [:]
            positions.reserveCapacity(wanted.count)
            for position in products.indices {
                let id = products[position].id
                if wanted.contains(id), positions[id] == nil { positions[id] = position }
            }
            return positions
        }

        /// The Bitrix product with this id (the first of a duplicated id).
        func bitrixProduct(_ id: Int64) -> CanonicalProduct? { bitrixPositions[id].map { input.bitrix.products[$0] } }

        /// The catalog product with this id (the first of a duplicated id).
        func catalogProduct(_ id: Int64) -> CanonicalProduct? { catalogPositions[id].map { input.catalogProducts[$0] } }

        /// The step a change asks for under its action, before any check; `nil` when it writes nothing.
        ///
        /// Each step records what it sets and what the row held (`was`), typed, from the compared rows; the
        /// change's text values are for reports only. An insert writes what the webhook's create would
        /// have written (type FLOWERS, no vitrina dimensions), so the catalog cannot tell the two apart; a
        /// status update writes the mapped label; the sequence goes to the highest element id plus the
        /// headroom.
        ///
        /// By action:
        /// - `insert`: a `product` row (phase products) with the preserved id, the shop, name, price, type
        ///   FLOWERS, image, images and, except for vitrina, width and height.
        /// - `softDelete`: `product.enabled = false`; never a `DELETE`.
        /// - `update`: one product column, or the whole image list (phase productImages) for `images`.
        /// - `insertImages`: the image list of a product that has none.
        /// - `updateStatus`: `"order".status` (phase orders); the applier adds the `orderhistory` row.
        /// - `backfillLink`: `"order".bitrix_order_id` (phase links).
        /// - `advanceSequence`: the product sequence's `last_value` (phase sequences), with no row version.
        /// - `bitrixChange`, `report`, `skip`: no step.
        func step(for change: Change) -> PlanStep? {
            let resolves = [MergePlanner.resolveName(change)]
            let id = Int64(change.key)
            switch change.action {
            case .insert:
                guard let id else { return nil }
                let b = bitrixProduct(id)
                // As the webhook's create writes it: type FLOWERS, vitrina dimensions never read.
                let vitrina = b?.type == .vitrina
                return PlanStep(
                    phase: .products, action: .insert, entity: "product", target: id, key: change.key,
                    resolves: resolves,
                    set: [
                        "shop_id": .integer(planner.shopID), "name": b.map { .text($0.name) } ?? .null,
                        "price": b?.price.map { .integer($0.value) } ?? .null, "enabled": .bool(true),
                        "type": .text(ProductType.flowers.rawValue), "image": b?.image.map(PlanValue.text) ?? .null,
                        "images": .texts(b?.images ?? []),
                        "width": vitrina ? .null : (b?.width.map { .integer(Int64($0)) } ?? .null),
                        "height": vitrina ? .null : (b?.height.map { .integer(Int64($0)) } ?? .null),
                    ])
            case .softDelete:
                guard let id else { return nil }
                return PlanStep(
                    phase: .products, action: .softDelete, entity: "product", target: id, key: change.key,
                    resolves: resolves,
                    set: ["enabled": .bool(false)], was: ["enabled": .bool(catalogProduct(id)?.enabled ?? true)],
                    version: catalog.versions.products[id])
            case .update:
                guard let id, let field = change.field else { return nil }
                let b = bitrixProduct(id)
                let c = catalogProduct(id)
                if field == "images" {
                    return PlanStep(
                        phase: .productImages, action: .update, entity: "productimage", target: id, key: change.key,
                        resolves: resolves, set: ["images": .texts(b?.images ?? [])],
                        was: ["images": .texts(c?.images ?? [])],
                        version: catalog.versions.products[id])
                }
                guard let b, let c else { return nil }
                let values: (PlanValue, PlanValue)
                switch field {
                case "name": values = (.text(b.name), .text(c.name))
                case "price":
                    values = (b.price.map { .integer($0.value) } ?? .null, c.price.map { .integer($0.value) } ?? .null)
                case "enabled": values = (.bool(b.enabled), .bool(c.enabled))
                case "image": values = (b.image.map(PlanValue.text) ?? .null, c.image.map(PlanValue.text) ?? .null)
                case "width":
                    values = (
                        b.width.map { .integer(Int64($0)) } ?? .null, c.width.map { .integer(Int64($0)) } ?? .null
                    )
                case "height":
                    values = (
                        b.height.map { .integer(Int64($0)) } ?? .null, c.height.map { .integer(Int64($0)) } ?? .null
                    )
                default: return nil
                }
                return PlanStep(
                    phase: .products, action: .update, entity: "product", target: id, key: change.key,
                    resolves: resolves,
                    set: [field: values.0], was: [field: values.1], version: catalog.versions.products[id])
            case .insertImages:
                guard let id else { return nil }
                return PlanStep(
                    phase: .productImages, action: .insertImages, entity: "productimage", target: id, key: change.key,
                    resolves: resolves, set: ["images": .texts(bitrixProduct(id)?.images ?? [])],
                    was: ["images": .texts([])],
                    version: catalog.versions.products[id])
            case .updateStatus:
                guard let target = change.catalogID else { return nil }
                return PlanStep(
                    phase: .orders, action: .updateStatus, entity: "order", target: target, key: change.key,
                    resolves: resolves, set: ["status": change.bitrix.normalized.map(PlanValue.text) ?? .null],
                    was: ["status": change.catalog.raw.map(PlanValue.text) ?? .null],
                    version: catalog.versions.orders[target])
            case .backfillLink:
                guard let target = change.catalogID, let bitrixID = id else { return nil }
                return PlanStep(
                    phase: .links, action: .backfillLink, entity: "order", target: target, key: change.key,
                    resolves: resolves, set: ["bitrix_order_id": .integer(bitrixID)], was: ["bitrix_order_id": .null],
                    version: catalog.versions.orders[target])
            case .advanceSequence:
                guard let sequence = input.productSequence, let high = input.bitrix.elementIDs.max else { return nil }
                let (target, overflow) = high.addingReportingOverflow(planner.sequenceHeadroom)
                return PlanStep(
                    phase: .sequences, action: .advanceSequence, entity: "sequence", target: nil, key: sequence.name,
                    resolves: resolves, set: ["last_value": .integer(overflow ? .max : target)],
                    was: ["last_value": .integer(sequence.lastValue)])
            case .bitrixChange, .report, .skip:
                return nil
            }
        }

        /// The step as it can be applied, plus a `skip` for each part that cannot (a field too long for its
        /// column, a value out of range, a label the enum lacks): the rest of a row's update still goes.
        ///
        /// A step on a row without a version (not among the shop's rows in the snapshot) is skipped whole,
        /// as is a link another order already holds.
        /// - Returns: One step, or the reduced step followed by one `skip` per refused column.
        func checked(_ step: PlanStep) -> [PlanStep] {
            let action = step.action
            if action != .insert && action != .advanceSequence && step.version == nil {
                return [step.skipped("the row is not among shop \(planner.shopID)'s rows in the extract's snapshot")]
            }
            var problems: [String: String] = [:]  // column → reason
            for (column, value) in step.set {
                if let reason = problem(column: column, value: value, step: step) { problems[column] = reason }
            }
            if action == .insert,
                !(catalog.facts.enumLabels["producttype"] ?? []).contains(ProductType.flowers.rawValue)
            {
                problems["type"] = "the catalog's producttype enum has no label FLOWERS"
            }
            if action == .insert, let id = step.target, id > Int64(Int32.max) {
                problems["id"] = "id \(id) does not fit product.id (integer)"
            }
            if action == .backfillLink, let bitrixID = step.set["bitrix_order_id"]?.integer {
                if bitrixID > Int64(Int32.max) {
                    problems["bitrix_order_id"] = "\(bitrixID) does not fit bitrix_order_id (integer)"
                }
                let holders = (links[bitrixID] ?? []).filter { $0 != step.target }
                if let other = holders.first {
                    problems["bitrix_order_id"] =
                        "catalog order \(other) already links to Bitrix order \(bitrixID); a second link breaks the status webhook"
                }
            }
            guard !problems.isEmpty else { return [step] }
            // A multi-column update keeps its good columns; anything else is skipped whole.
            guard action == .update, step.entity == "product", problems.count < step.set.count else {
                let reason = problems.sorted { $0.key < $1.key }.map(\.value).joined(separator: "; ")
                return [step.skipped(reason)]
            }
            var write = step
            var skips: [PlanStep] = []
            for (column, reason) in problems.sorted(by: { $0.key < $1.key }) {
                let resolve = "product.field \(column)"
                write.set[column] = nil
                write.was[column] = nil
                write.resolves.removeAll { $0 == resolve }
                var skip = step
                skip.set = step.set.filter { $0.key == column }
                skip.was = step.was.filter { $0.key == column }
                skip.resolves = [resolve]
                skips.append(skip.skipped(reason))
            }
            return [write] + skips
        }

        /// Why `value` cannot be written to `column` as it stands, or `nil`.
        ///
        /// Lengths are compared in characters, as PostgreSQL's `varchar(n)` counts them; integers against
        /// the catalog's 32-bit `integer` columns.
        func problem(column: String, value: PlanValue, step: PlanStep) -> String? {
            let table = step.entity == "productimage" ? "product" : step.entity
            switch (column, value) {
            case ("name", .text(let text)), ("image", .text(let text)):
                if let limit = catalog.facts.columnLimits["\(table).\(column)"], text.count > limit {
                    return "\(column) is \(text.count) characters; \(table).\(column) holds \(limit) (never truncated)"
                }
            case ("name", .null):
                return "Bitrix has no name for product \(step.key)"
            case ("images", .texts(let urls)):
                if let limit = catalog.facts.columnLimits["productimage.url"],
                    let long = urls.first(where: { $0.count > limit })
                {
                    return "an image URL is \(long.count) characters; productimage.url holds \(limit) (never truncated)"
                }
            case ("price", .null):
                return "Bitrix has no base price for product \(step.key)"
            case ("price", .integer(let kopecks)), ("width", .integer(let kopecks)), ("height", .integer(let kopecks)):
                if kopecks > Int64(Int32.max) || kopecks < Int64(Int32.min) {
                    return "\(column) \(kopecks) does not fit \(table).\(column) (integer)"
                }
            case ("status", .text(let label)):
                if !(catalog.facts.enumLabels["orderstatus"] ?? []).contains(label) {
                    return "the catalog's orderstatus enum has no label \(label)"
                }
            case ("status", .null):
                return "no catalog status for Bitrix status \(step.key)"
            case ("last_value", .integer(let value)):
                if value > Int64(Int32.max) {
                    return "\(value) is past product.id's integer range; lower merge.sequence_headroom"
                }
            default: break
            }
            return nil
        }
    }
}
