import BackstopModel
import Foundation

extension BitrixModelBuilder {
    /// The products built when the product tables were done (``buildsProductsEarly``), and what of the
    /// released product tables is still needed: the snapshot-time test of `enabled`, the problems found
    /// (they go where a build at the end puts them) and the names later basket lines are compared with.
    struct EarlyProducts {
        /// A product whose `enabled` waits for the snapshot time: an active element with `ACTIVE_FROM` or
        /// `ACTIVE_TO`.
        struct PendingActivity {
            /// The product's position in ``EarlyProducts/products``.
            var position: Int
            /// `ACTIVE_FROM` as site wall-clock text, `nil` for none.
            var from: String?
            /// `ACTIVE_TO` as site wall-clock text, `nil` for none.
            var to: String?
        }

        /// The products, in id order; `enabled` is final except for ``pendingActivity``.
        var products: [CanonicalProduct] = []
        /// The products whose `enabled` is decided by ``BitrixModelBuilder/finish(completedAt:)``.
        var pendingActivity: [PendingActivity] = []
        /// The problems the build found, in the order found.
        var problems: [ParseProblem] = []
        /// The catalog elements that became no product (another seller, out of scope), ascending: a basket
        /// line carrying one's own name takes it, as a line read before the build does.
        var otherIDs: [Int64] = []
        /// Where each name of ``otherIDs`` ends in ``otherNames``.
        var otherNameEnds: [Int] = []
        /// The `NAME` bytes of ``otherIDs``, back to back.
        var otherNames: [UInt8] = []

        /// The name bytes of the non-product element at `position` in ``otherIDs``.
        func otherName(at position: Int) -> ArraySlice<UInt8> {
            otherNames[(position == 0 ? 0 : otherNameEnds[position - 1])..<otherNameEnds[position]]
        }
    }

    /// Whether a product-table row arrived after the early build (a dump not in alphabetical table order,
    /// or several dumps): the products built are then incomplete, ``finish(completedAt:)`` must not be
    /// called, and the input must be read again without ``buildsProductsEarly``.
    public var earlyBuildAbandoned: Bool { earlyBuildBroken }

    /// Builds the products at the first row of an order-side table (in an alphabetical dump every
    /// `b_catalog_*`, `b_file` and `b_iblock_*` row has been read by then) and notes a product-table row
    /// arriving after that build.
    func notePhase(of handler: TableHandler) {
        switch handler {
        case .order, .basket, .orderPropValue, .orderProp, .user:
            if earlyProducts == nil && !earlyBuildBroken { buildProductsEarly() }
        case .element, .propertyValue, .property, .price, .group, .file:
            if earlyProducts != nil { earlyBuildBroken = true }
        case .other: break
        }
    }

    /// The tables whose rows come after every product-table row in an alphabetical dump (the order side):
    /// the first row of one, or the `CREATE TABLE` of one just after product rows, starts the early build.
    static let orderSideTables: Set<String> = [
        "b_sale_order", "b_sale_basket", "b_sale_order_props_value", "b_sale_order_props", "b_user",
    ]

    /// Takes a table's `CREATE TABLE` (``DumpEvent/table(_:)``): an order-side table's, read right after
    /// product-table rows, builds the products now, while the reader is still busy with that table (it
    /// skims a deferred `b_sale_basket` for a while and hands out nothing). The build would otherwise wait
    /// for the table's first row, and the reader for the build.
    ///
    /// The products are the same either way: no row comes between a table's `CREATE TABLE` and its first
    /// row, and a product-table row arriving later abandons the early build as it does after an order
    /// row (``earlyBuildAbandoned``). Nothing happens without ``buildsProductsEarly``, after the build, or
    /// when the last row read was not a product table's (a dump that declares every table first).
    /// - Parameter table: The table's name.
    public func noteTableStart(_ table: String) {
        guard buildsProductsEarly, earlyProducts == nil, !earlyBuildBroken, Self.orderSideTables.contains(table)
        else { return }
        switch handler {
        case .element, .propertyValue, .property, .price, .group, .file: buildProductsEarly()
        case .order, .basket, .orderPropValue, .orderProp, .user, .other: break
        }
    }

    /// Builds the products now, without the snapshot time, and releases the raw product tables: the build's
    /// problems are set aside and `enabled` of products with activity dates is left to
    /// ``finish(completedAt:)``.
    func buildProductsEarly() {
        let before = problems.count
        earlyProducts = EarlyProducts()
        let products = buildProducts(snapshot: nil)
        earlyProducts?.problems = Array(problems[before...])
        problems.removeSubrange(before...)
        earlyProducts?.products = products
    }

    /// Completes the early products at the snapshot time `now`: `enabled` of the pending ones, and the
    /// build's problems appended where a build at the end appends them.
    func finishEarlyProducts(_ early: consuming EarlyProducts, snapshot now: String) -> [CanonicalProduct] {
        precondition(!earlyBuildBroken, "products built early, then a product row: read the input again")
        for pending in early.pendingActivity {
            early.products[pending.position].enabled = Self.isActive(at: now, from: pending.from, to: pending.to)
        }
        problems.append(contentsOf: early.problems)
        return early.products
    }

    /// The name a basket line of element `id`, read after the early build, keeps: the element's own name
    /// (the product's string) when the line's `NAME` holds exactly its bytes, else the line's own text, as
    /// a line read before the build ends up with.
    func earlyLineName(_ row: DumpRow, _ column: Int, element id: Int64, _ early: EarlyProducts) -> String {
        guard column >= 0, column < row.count else { return "" }
        if let p = SortedSearch.first(id, count: early.products.count, key: { early.products[$0].id }) {
            let name = early.products[p].name
            let same = unsafe row.withBytes(at: column) { bytes in
                guard let bytes = unsafe bytes else { return false }
                return unsafe name.utf8.count == bytes.count && name.utf8.elementsEqual(bytes)
            }
            if same { return name }
        } else if let e = SortedSearch.first(id, count: early.otherIDs.count, key: { early.otherIDs[$0] }) {
            let name = early.otherName(at: e)
            let same = unsafe row.withBytes(at: column) { bytes in
                guard let bytes = unsafe bytes else { return false }
                return unsafe bytes.count == name.count && bytes.elementsEqual(name)
            }
            if same { return String(decoding: name, as: UTF8.self) }
        }
        return text(row, column) ?? ""
    }
}
