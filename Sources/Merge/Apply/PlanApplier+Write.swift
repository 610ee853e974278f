import BackstopExtract
import BackstopModel
import BackstopPostgres

extension PlanApplier {
    /// The session's staging tables, made once per connection and emptied at the start of each apply.
    ///
    /// Every staged row carries its batch number and every statement reads only its own batch's rows, so
    /// the tables need no emptying between batches: an `ON COMMIT DELETE ROWS` table is truncated at every
    /// commit, and truncating (its file, its TOAST table's index, its own indexes) cost a batch about
    /// 30 ms on this machine (`ftruncate(2)` waits for the disk's discard), while the checkpoint row was
    /// held, so parallel workers queued behind it. ``clearStage()`` empties them between batches instead,
    /// once every ``stageClearBatches`` batches of a worker, outside any batch's transaction.
    ///
    /// Temporary tables live in the session, so each worker connection has its own; `prepareSession()`
    /// calls this once per apply and connection (a connection that applied before starts empty too).
    /// - Throws: `PGError`.
    func createStageTables() throws {
        try connection.executeScript(
            """
            CREATE TEMP TABLE IF NOT EXISTS backstop_stage_product (
                batch integer NOT NULL, seq integer NOT NULL, target bigint NOT NULL, row_xmin bigint, row_checksum text,
                set_name boolean NOT NULL, name text, set_price boolean NOT NULL, price bigint,
                set_enabled boolean NOT NULL, enabled boolean, set_image boolean NOT NULL, image text,
                set_width boolean NOT NULL, width bigint, set_height boolean NOT NULL, height bigint
            );
            CREATE TEMP TABLE IF NOT EXISTS backstop_stage_image (
                batch integer NOT NULL, seq integer NOT NULL, target bigint NOT NULL, position integer NOT NULL,
                url text NOT NULL
            );
            CREATE TEMP TABLE IF NOT EXISTS backstop_stage_order (
                batch integer NOT NULL, seq integer NOT NULL, target bigint NOT NULL, row_xmin bigint,
                status text, old_status text, bitrix_order_id bigint
            );
            CREATE TEMP TABLE IF NOT EXISTS backstop_stage_ok (batch integer NOT NULL, seq integer NOT NULL, target bigint NOT NULL);
            CREATE TEMP TABLE IF NOT EXISTS backstop_stage_current (
                batch integer NOT NULL, id bigint NOT NULL, product_id bigint NOT NULL, url text, ord integer, primary_ boolean,
                pos integer NOT NULL
            );
            CREATE INDEX IF NOT EXISTS backstop_stage_product_batch ON pg_temp.backstop_stage_product (batch, seq);
            CREATE INDEX IF NOT EXISTS backstop_stage_image_target ON pg_temp.backstop_stage_image (batch, target, position);
            CREATE INDEX IF NOT EXISTS backstop_stage_order_batch ON pg_temp.backstop_stage_order (batch, seq);
            CREATE INDEX IF NOT EXISTS backstop_stage_ok_batch ON pg_temp.backstop_stage_ok (batch, target);
            CREATE INDEX IF NOT EXISTS backstop_stage_current_position ON pg_temp.backstop_stage_current (batch, product_id, pos);
            """)
        try clearStage()
    }

    /// Batches after which a worker empties its staging tables (``clearStage()``): the tables hold at most
    /// ten batches (a few MiB at the default size) and a truncation is paid once per ten batches, not per
    /// batch. Counted in batches rather than rows so that the small batches of the tests empty them too.
    static let stageClearBatches = 10

    /// Empties the session's staging tables (outside a batch's transaction: it holds no catalog lock).
    /// - Throws: `PGError`.
    func clearStage() throws {
        try connection.executeScript(
            """
            TRUNCATE pg_temp.backstop_stage_product, pg_temp.backstop_stage_image, pg_temp.backstop_stage_order,
                     pg_temp.backstop_stage_ok, pg_temp.backstop_stage_current
            """)
    }

    /// Stages and writes one batch (inside its transaction) and says which steps were applied.
    ///
    /// - Parameters:
    ///   - kind: the statement shape.
    ///   - steps: the batch's steps, with the versions they expect.
    ///   - shopID: the shop every written row must belong to.
    ///   - chained: the rows (``RowKey``) with more than one writing step in the plan: their whole
    ///     version is read back for the next step; every other written row records this transaction's id
    ///     as its `xmin`, which is what the row carries after the write.
    ///   - xid: this transaction's id (mod 2^32, as `xmin` reads).
    ///   - batch: the batch's number: its staged rows carry it, and its statements read only those.
    /// - Returns: the applied steps with the versions they left, and the conflicts.
    /// - Throws: `PGError` when a statement fails (the caller rolls the batch back).
    func write(_ kind: BatchKind, steps: [PlanStep], shopID: Int64, chained: Set<RowKey>, xid: Int64, batch: Int)
        throws -> BatchResult
    {
        var result: BatchResult
        switch kind {
        case .productInsert: result = try insertProducts(steps, shopID: shopID, batch: batch)
        case .productUpdate: result = try updateProducts(steps, shopID: shopID, batch: batch)
        case .productImages: result = try writeImages(steps, shopID: shopID, batch: batch)
        case .orderStatus: result = try updateStatuses(steps, shopID: shopID, batch: batch)
        case .orderLink: result = try backfillLinks(steps, shopID: shopID, batch: batch)
        case .sequence: return try advanceSequences(steps)
        }
        let applied = Set(result.applied.keys)
        // Only a chained row's version is read back whole (a later step of the plan checks it). Every other
        // written row records the `xmin` it carries now: this transaction's id, or, for an image step, the
        // product's planned `xmin` (the image rows are rewritten under a row lock, which leaves the product's
        // `xmin` alone); their checksum is never compared again, so it is not computed a second time.
        let reread =
            chained.isEmpty
            ? []
            : steps.indices.filter { applied.contains(steps[$0].seq) && chained.contains(RowKey(steps[$0])) }
                .map { steps[$0].seq }
        let versions =
            reread.isEmpty
            ? [:]
            : (kind == .orderStatus || kind == .orderLink)
                ? try orderVersions(reread, batch: batch) : try productVersions(reread, batch: batch)
        for step in steps where applied.contains(step.seq) {
            let xmin = kind == .productImages ? step.version?.xmin ?? xid : xid
            let left = RowVersion(xmin: xmin, checksum: "")
            result.applied[step.seq] = .some(versions[step.seq] ?? left)
        }
        return result
    }

    // MARK: Products

    /// Inserts products with their preserved ids, then their image rows; an id that exists by now (a
    /// webhook created it) is a conflict, never overwritten.
    /// - Parameters:
    ///   - steps: Insert steps, each with the product's columns and image list.
    ///   - shopID: The plan's shop, written as each new product's `shop_id`.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: The applied steps and the conflicts; rows count the products and their image rows.
    /// - Throws: `PGError`.
    func insertProducts(_ steps: [PlanStep], shopID: Int64, batch: Int) throws -> BatchResult {
        try stageProducts(steps, batch: batch)
        try stageImages(steps, batch: batch)
        let result = try connection.execute(
            """
            WITH ins AS (
                INSERT INTO product (id, shop_id, name, price, type, enabled, image, width, height, colors, occasions,
                                     tags, created_at, updated_at)
                SELECT s.target, \(shopID), s.name, s.price, 'FLOWERS'::producttype, s.enabled, s.image, s.width, s.height,
                       '[]'::json, '[]'::json, '[]'::json, now(), now()
                  FROM pg_temp.backstop_stage_product s WHERE s.batch = \(batch) ORDER BY s.target
                ON CONFLICT (id) DO NOTHING
                RETURNING id),
            images AS (
                INSERT INTO productimage (product_id, url, "order", is_primary, created_at)
                SELECT i.target, i.url, i.position, i.position = 0, now()
                  FROM ins JOIN pg_temp.backstop_stage_image i ON i.batch = \(batch) AND i.target = ins.id
                 ORDER BY i.target, i.position
                RETURNING 1)
            SELECT id, (SELECT count(*) FROM images)::int FROM ins
            """)
        let inserted = Set(try (0..<result.rowCount).map { Int64(try result.int(row: $0, column: 0)) })
        let applied = steps.filter { $0.target.map(inserted.contains) ?? false }.map(\.seq)
        return finish(steps, applied: applied, rows: applied.count + (result.rows.first?[1].flatMap { Int($0) } ?? 0))
    }

    /// Updates the named columns (or `enabled = false`) of products still at their planned version.
    /// A `CASE` per column writes only the columns a step sets; the version check compares `xmin` and the
    /// checksum of ``CatalogVersionSQL`` with the staged expected version, so a row a webhook wrote since
    /// the plan is not touched and its step is a conflict.
    /// - Parameters:
    ///   - steps: Update and soft-delete steps.
    ///   - shopID: The plan's shop.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: The applied steps and the conflicts.
    /// - Throws: `PGError`.
    func updateProducts(_ steps: [PlanStep], shopID: Int64, batch: Int) throws -> BatchResult {
        try stageProducts(steps, batch: batch)
        let result = try connection.execute(
            """
            UPDATE product p
               SET name = CASE WHEN s.set_name THEN s.name ELSE p.name END,
                   price = CASE WHEN s.set_price THEN s.price ELSE p.price END,
                   enabled = CASE WHEN s.set_enabled THEN s.enabled ELSE p.enabled END,
                   image = CASE WHEN s.set_image THEN s.image ELSE p.image END,
                   width = CASE WHEN s.set_width THEN s.width ELSE p.width END,
                   height = CASE WHEN s.set_height THEN s.height ELSE p.height END,
                   updated_at = now()
              FROM pg_temp.backstop_stage_product s
             WHERE s.batch = \(batch) AND p.id = s.target AND p.shop_id = \(shopID)
               AND \(CatalogVersionSQL.productXmin) = s.row_xmin AND \(CatalogVersionSQL.productChecksum) = s.row_checksum
            RETURNING s.seq
            """)
        let applied = try appliedSeqs(result)
        return finish(steps, applied: applied, rows: applied.count)
    }

    /// Makes each product's image rows equal to its planned list, by position: rows updated in place (ids
    /// kept), missing ones inserted, surplus ones deleted; `"order"` = position, `is_primary` = first. The
    /// products are locked at their planned version first, so a concurrent rewrite either went before
    /// (a conflict) or waits and goes after.
    /// - Parameters:
    ///   - steps: Image-list steps, each with the product's planned list.
    ///   - shopID: The plan's shop.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: The applied steps, the conflicts and the image rows written.
    /// - Throws: `PGError`.
    func writeImages(_ steps: [PlanStep], shopID: Int64, batch: Int) throws -> BatchResult {
        try stageProducts(steps, batch: batch)
        try stageImages(steps, batch: batch)
        try connection.execute(
            """
            INSERT INTO pg_temp.backstop_stage_ok (batch, seq, target)
            SELECT s.batch, s.seq, s.target FROM pg_temp.backstop_stage_product s JOIN product p ON p.id = s.target
             WHERE s.batch = \(batch) AND p.shop_id = \(shopID)
               AND \(CatalogVersionSQL.productXmin) = s.row_xmin AND \(CatalogVersionSQL.productChecksum) = s.row_checksum
               FOR UPDATE OF p
            """)
        // Each statement joins the staged rows to the catalog through indexes (productimage by product and by
        // id, the staged lists by product and position).
        try connection.execute(
            """
            INSERT INTO pg_temp.backstop_stage_current (batch, id, product_id, url, ord, primary_, pos)
            SELECT k.batch, i.id, i.product_id, i.url, i."order", coalesce(i.is_primary, false),
                   (row_number() OVER (PARTITION BY i.product_id ORDER BY i."order", i.id) - 1)::int
              FROM pg_temp.backstop_stage_ok k JOIN productimage i ON i.product_id = k.target
             WHERE k.batch = \(batch)
            """)
        let updated = try connection.execute(
            """
            UPDATE productimage i SET url = w.url, "order" = w.position, is_primary = (w.position = 0)
              FROM pg_temp.backstop_stage_current c
              JOIN pg_temp.backstop_stage_image w ON w.batch = c.batch AND w.target = c.product_id AND w.position = c.pos
             WHERE c.batch = \(batch) AND i.id = c.id AND (c.url, c.ord, c.primary_) IS DISTINCT FROM (w.url, w.position, w.position = 0)
            """)
        let deleted = try connection.execute(
            """
            DELETE FROM productimage i USING pg_temp.backstop_stage_current c
             WHERE c.batch = \(batch) AND i.id = c.id
               AND NOT EXISTS (SELECT 1 FROM pg_temp.backstop_stage_image w
                                WHERE w.batch = c.batch AND w.target = c.product_id AND w.position = c.pos)
            """)
        let inserted = try connection.execute(
            """
            INSERT INTO productimage (product_id, url, "order", is_primary, created_at)
            SELECT w.target, w.url, w.position, w.position = 0, now()
              FROM pg_temp.backstop_stage_ok k JOIN pg_temp.backstop_stage_image w ON w.batch = k.batch AND w.target = k.target
             WHERE k.batch = \(batch)
               AND NOT EXISTS (SELECT 1 FROM pg_temp.backstop_stage_current c
                                WHERE c.batch = k.batch AND c.product_id = w.target AND c.pos = w.position)
             ORDER BY w.target, w.position
            """)
        let applied = try appliedSeqs(
            try connection.execute("SELECT seq FROM pg_temp.backstop_stage_ok WHERE batch = \(batch)"))
        return finish(
            steps, applied: applied, rows: updated.affectedRows + deleted.affectedRows + inserted.affectedRows)
    }

    /// The versions the applied product steps left, read in the batch's transaction.
    /// - Parameters:
    ///   - seqs: The applied steps' `seq`.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: Each step's product version after the write.
    /// - Throws: `PGError`.
    func productVersions(_ seqs: [Int], batch: Int) throws -> [Int: RowVersion] {
        let result = try connection.execute(
            """
            SELECT s.seq, \(CatalogVersionSQL.productXmin), \(CatalogVersionSQL.productChecksum)
              FROM pg_temp.backstop_stage_product s JOIN product p ON p.id = s.target
             WHERE s.batch = \(batch) AND s.seq = ANY(\(seqs.map { Int64($0) })::int[])
            """)
        return try Self.versions(result)
    }

    // MARK: Orders

    /// Sets the status of orders still at their planned version, with one `orderhistory` row each the way
    /// the status webhook writes it (lowercase values), `changed_by = 'backstop'`.
    ///
    /// An order's version is checked by its `xmin` alone (``CatalogVersionSQL/orderXmin``): an order's
    /// version covers only its own row, and every write of a row, a webhook's replay of the same values
    /// included, makes a new row version with the writer's transaction id, while a row at the planned
    /// `xmin` is the very row version the plan compared. `VACUUM FREEZE` keeps the raw `xmin` (PostgreSQL
    /// ≥ 9.4 marks a frozen row with hint bits), so it causes no false conflict; an `xmin` could only come
    /// back after 2³² transactions, long after PostgreSQL froze and the plan went stale. The checksum,
    /// which adds nothing here, cost about 1.2 µs a row (measured: 65 ms per 50k orders).
    /// - Parameters:
    ///   - steps: Status steps.
    ///   - shopID: The plan's shop.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: The applied steps and the conflicts; rows count the orders and their history rows.
    /// - Throws: `PGError`.
    func updateStatuses(_ steps: [PlanStep], shopID: Int64, batch: Int) throws -> BatchResult {
        try stageOrders(steps, batch: batch)
        let result = try connection.execute(
            """
            WITH upd AS (
                UPDATE "order" o SET status = s.status::orderstatus, updated_at = now()
                  FROM pg_temp.backstop_stage_order s
                 WHERE s.batch = \(batch) AND o.id = s.target AND o.shop_id = \(shopID)
                   AND \(CatalogVersionSQL.orderXmin) = s.row_xmin
                RETURNING o.id, s.seq, s.old_status, s.status),
            history AS (
                INSERT INTO orderhistory (order_id, changed_by, field_name, old_value, new_value, changed_at)
                SELECT id, 'backstop', 'status', lower(old_status), lower(status), now() FROM upd ORDER BY id
                RETURNING 1)
            SELECT seq, (SELECT count(*) FROM history)::int FROM upd
            """)
        let applied = try appliedSeqs(result)
        return finish(steps, applied: applied, rows: applied.count * 2)
    }

    /// Back-fills `bitrix_order_id` of orders still at their planned version (`xmin`, as for
    /// ``updateStatuses(_:shopID:batch:)``), unless another order holds that link by now (a second link
    /// breaks the status webhook's lookup).
    /// - Parameters:
    ///   - steps: Link steps.
    ///   - shopID: The plan's shop.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: The applied steps and the conflicts.
    /// - Throws: `PGError`.
    func backfillLinks(_ steps: [PlanStep], shopID: Int64, batch: Int) throws -> BatchResult {
        try stageOrders(steps, batch: batch)
        let result = try connection.execute(
            """
            UPDATE "order" o SET bitrix_order_id = s.bitrix_order_id, updated_at = now()
              FROM pg_temp.backstop_stage_order s
             WHERE s.batch = \(batch) AND o.id = s.target AND o.shop_id = \(shopID) AND o.bitrix_order_id IS NULL
               AND \(CatalogVersionSQL.orderXmin) = s.row_xmin
               AND NOT EXISTS (SELECT 1 FROM "order" x WHERE x.bitrix_order_id = s.bitrix_order_id)
            RETURNING s.seq
            """)
        let applied = try appliedSeqs(result)
        return finish(steps, applied: applied, rows: applied.count)
    }

    /// The versions the applied order steps left.
    /// - Parameters:
    ///   - seqs: The applied steps' `seq`.
    ///   - batch: The batch's number (its staged rows).
    /// - Returns: Each step's order version after the write.
    /// - Throws: `PGError`.
    func orderVersions(_ seqs: [Int], batch: Int) throws -> [Int: RowVersion] {
        let result = try connection.execute(
            """
            SELECT s.seq, \(CatalogVersionSQL.orderXmin), \(CatalogVersionSQL.orderChecksum)
              FROM pg_temp.backstop_stage_order s JOIN "order" o ON o.id = s.target
             WHERE s.batch = \(batch) AND s.seq = ANY(\(seqs.map { Int64($0) })::int[])
            """)
        return try Self.versions(result)
    }

    // MARK: Sequences

    /// Advances each sequence to its planned value, never backwards (`greatest` with its current value):
    /// `setval` is not transactional, and repeating it after a crash changes nothing.
    /// - Parameter steps: Sequence steps (one per batch).
    /// - Returns: The steps, all applied.
    /// - Throws: `PGError`.
    func advanceSequences(_ steps: [PlanStep]) throws -> BatchResult {
        var result = BatchResult()
        for step in steps {
            guard let target = step.set["last_value"]?.integer else { result.conflicts.append(step.seq); continue }
            try connection.execute(
                """
                SELECT setval(q.s, greatest(\(target), coalesce(pg_sequence_last_value(q.s), 0)), true)
                  FROM (SELECT \(step.key)::regclass AS s) q
                """)
            result.applied[step.seq] = .some(nil)
            result.rows += 1
        }
        return result
    }

    // MARK: Staging

    /// COPYs the product side of `steps` into `backstop_stage_product`: the columns a step sets, flagged.
    /// Each row is written field by field into the COPY buffer (no array of strings per row).
    /// - Parameters:
    ///   - steps: Product steps.
    ///   - batch: The batch's number, staged with each row.
    /// - Throws: `PGError`.
    func stageProducts(_ steps: [PlanStep], batch: Int) throws {
        let number = Int64(batch)
        try connection.copyIn(
            """
            COPY pg_temp.backstop_stage_product (batch, seq, target, row_xmin, row_checksum, set_name, name, set_price, price,
                set_enabled, enabled, set_image, image, set_width, width, set_height, height) FROM STDIN
            """, rows: steps.indices
        ) { i, buffer in
            Self.appendStagedStep(steps[i], batch: number, checksum: true, to: &buffer)
            let product = steps[i].entity == "product"
            for column in Self.stagedProductColumns {
                let value = product ? steps[i].set[column] : nil
                CopyText.appendBool(value != nil, after: true, to: &buffer)
                buffer.append(0x09)
                Self.appendCopyText(value, to: &buffer)
            }
            CopyText.endRow(&buffer)
        }
    }

    /// Writes the fields every staged step row begins with: its batch, sequence number, target row and the
    /// row version the plan read (`xmin`, and for a product its checksum), which the merge statements compare
    /// before writing. An order is checked by its `xmin` alone, so its checksum is not staged.
    /// - Parameters:
    ///   - step: The staged step.
    ///   - batch: The batch's number.
    ///   - checksum: Whether the row has a `row_checksum` field (product rows).
    ///   - buffer: The COPY buffer; the row continues after the version.
    static func appendStagedStep(_ step: PlanStep, batch: Int64, checksum: Bool, to buffer: inout [UInt8]) {
        CopyText.appendInteger(batch, to: &buffer)
        CopyText.appendInteger(Int64(step.seq), after: true, to: &buffer)
        CopyText.appendInteger(step.target ?? 0, after: true, to: &buffer)
        CopyText.appendInteger(step.version?.xmin, after: true, to: &buffer)
        if checksum { CopyText.appendText(step.version?.checksum, after: true, to: &buffer) }
    }

    /// The product columns a staged step may set, in `backstop_stage_product`'s order (a flag and a value each).
    static let stagedProductColumns = ["name", "price", "enabled", "image", "width", "height"]

    /// COPYs the image lists of `steps` into `backstop_stage_image`, one row per position.
    /// - Parameters:
    ///   - steps: Image-list steps.
    ///   - batch: The batch's number, staged with each row.
    /// - Throws: `PGError`.
    func stageImages(_ steps: [PlanStep], batch: Int) throws {
        let number = Int64(batch)
        try connection.copyIn(
            "COPY pg_temp.backstop_stage_image (batch, seq, target, position, url) FROM STDIN", rows: steps.indices
        ) { i, buffer in
            guard case .texts(let urls) = steps[i].set["images"] else { return }
            for (position, url) in urls.enumerated() {
                CopyText.appendInteger(number, to: &buffer)
                CopyText.appendInteger(Int64(steps[i].seq), after: true, to: &buffer)
                CopyText.appendInteger(steps[i].target ?? 0, after: true, to: &buffer)
                CopyText.appendInteger(Int64(position), after: true, to: &buffer)
                CopyText.appendText(url, after: true, to: &buffer)
                CopyText.endRow(&buffer)
            }
        }
    }

    /// COPYs `steps` into `backstop_stage_order`.
    /// - Parameters:
    ///   - steps: Order steps.
    ///   - batch: The batch's number, staged with each row.
    /// - Throws: `PGError`.
    func stageOrders(_ steps: [PlanStep], batch: Int) throws {
        let number = Int64(batch)
        try connection.copyIn(
            "COPY pg_temp.backstop_stage_order (batch, seq, target, row_xmin, status, old_status, bitrix_order_id) FROM STDIN",
            rows: steps.indices
        ) { i, buffer in
            Self.appendStagedStep(steps[i], batch: number, checksum: false, to: &buffer)
            CopyText.appendText(steps[i].set["status"]?.text, after: true, to: &buffer)
            CopyText.appendText(steps[i].was["status"]?.text, after: true, to: &buffer)
            CopyText.appendInteger(steps[i].set["bitrix_order_id"]?.integer, after: true, to: &buffer)
            CopyText.endRow(&buffer)
        }
    }

    /// Appends a planned value in COPY text form: `\N` for NULL and for a list (image lists are staged
    /// row by row by ``stageImages(_:batch:)``), `t`/`f`, the integer's digits or the text.
    /// - Parameters:
    ///   - value: A planned value, `nil` for none.
    ///   - buffer: The COPY data being assembled.
    static func appendCopyText(_ value: PlanValue?, to buffer: inout [UInt8]) {
        switch value {
        case .bool(let value): buffer.append(value ? 0x74 : 0x66)
        case .integer(let value): CopyText.appendInteger(value, to: &buffer)
        case .text(let value): CopyText.appendEscaped(value, to: &buffer)
        case .null, .texts, nil: CopyText.appendNull(to: &buffer)
        }
    }

    // MARK: Results

    /// The `seq` values in the first column of `result`.
    /// - Parameter result: A `RETURNING s.seq` result.
    /// - Returns: The steps the statement wrote.
    /// - Throws: `PGError` when a value is not an integer.
    func appliedSeqs(_ result: PGResult) throws -> [Int] {
        try (0..<result.rowCount).map { try result.int(row: $0, column: 0) }
    }

    /// The batch's result: the applied steps (their versions filled in by ``write(_:steps:shopID:chained:xid:batch:)``),
    /// the rest conflicts.
    /// - Parameters:
    ///   - steps: The batch's steps.
    ///   - applied: The `seq` of the steps written.
    ///   - rows: Catalog rows written.
    /// - Returns: The batch's result.
    func finish(_ steps: [PlanStep], applied: [Int], rows: Int) -> BatchResult {
        var result = BatchResult(rows: rows)
        for seq in applied { result.applied[seq] = .some(nil) }
        let done = Set(applied)
        result.conflicts = steps.map(\.seq).filter { !done.contains($0) }
        return result
    }

    /// `seq`, xmin, checksum rows as versions by `seq`.
    /// - Parameter result: Rows of `seq`, `xmin`, checksum.
    /// - Returns: The versions by `seq`; a row without an `xmin` is left out.
    /// - Throws: `PGError` when `seq` is not an integer.
    static func versions(_ result: PGResult) throws -> [Int: RowVersion] {
        var out: [Int: RowVersion] = [:]
        for row in 0..<result.rowCount {
            guard let xmin = result.string(row: row, column: 1).flatMap({ Int64($0) }) else { continue }
            out[try result.int(row: row, column: 0)] = RowVersion(
                xmin: xmin, checksum: result.string(row: row, column: 2) ?? "")
        }
        return out
    }
}
