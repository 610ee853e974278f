import BackstopModel
public import BackstopPostgres

extension RunLock {
    /// The first half of a shop lock's two-int advisory key ("bsts"); the second half is the shop id, so
    /// shop ids must fit in 32 bits (catalog shop ids do).
    public static let shopClass: Int32 = 0x6273_7473

    /// Takes the catalog lock shared and each shop's lock exclusively, without waiting: runs on disjoint
    /// shops proceed side by side, two runs on one shop exclude each other, and a session holding
    /// ``key`` exclusively (a whole-catalog operation) keeps every run out. `false`, with nothing held,
    /// when any of them is taken.
    ///
    /// - Parameters:
    ///   - shops: the run's shops (positive 32-bit ids; `--shop` validation guarantees it).
    ///   - connection: the run's session, which holds the locks until it releases them or ends.
    /// - Returns: whether every lock was taken.
    /// - Throws: `PGError` when a lock statement fails (locks taken before the failure stay with the
    ///   session until ``release(shops:on:)`` or its end).
    public static func tryAcquire(shops: [Int64], on connection: PGConnection) throws -> Bool {
        guard try connection.execute("SELECT pg_try_advisory_lock_shared(\(key))").bool(row: 0, column: 0) == true
        else { return false }
        var held: [Int64] = []
        for shop in Set(shops).sorted() {
            let taken =
                try connection.execute(
                    "SELECT pg_try_advisory_lock(\(Int64(shopClass))::int4, \(shop)::int4)"
                ).bool(row: 0, column: 0) == true
            guard taken else {
                release(shops: held, on: connection)
                return false
            }
            held.append(shop)
        }
        return true
    }

    /// Releases what ``tryAcquire(shops:on:)`` took (errors ignored: the session ending releases it too).
    /// - Parameters:
    ///   - shops: The same shops that were acquired (duplicates are harmless).
    ///   - connection: The session that holds them.
    public static func release(shops: [Int64], on connection: PGConnection) {
        // One statement for all of them: nothing stays held if the session is interrupted between two.
        _ = try? connection.execute(
            """
            SELECT count(pg_advisory_unlock(\(Int64(shopClass))::int4, s::int4)), pg_advisory_unlock_shared(\(key))
              FROM unnest(string_to_array(\(Set(shops).map(String.init).joined(separator: ",")), ',')::bigint[]) AS s
            """)
    }

    /// The session holding one of `shops`' locks (or the catalog lock exclusively), with the run it
    /// announced; `nil` when nobody does (any more).
    /// - Parameters:
    ///   - shops: The shops a run failed to lock; the lowest held one names the holder.
    ///   - connection: Any session on the catalog database.
    /// - Returns: The holder, for the `locked` (exit 75) message.
    /// - Throws: `PGError` when a query fails.
    public static func holder(shops: [Int64], on connection: PGConnection) throws -> Holder? {
        let result = try connection.execute(
            """
            SELECT l.pid FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted AND l.mode = 'ExclusiveLock'
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid::bigint = \(Int64(shopClass)) AND l.objsubid = 2
               AND l.objid::bigint = ANY(string_to_array(\(shops.map(String.init).joined(separator: ",")), ',')::bigint[])
               AND l.pid <> pg_backend_pid()
             ORDER BY l.objid LIMIT 1
            """)
        guard result.rowCount == 1, let pid = try? result.int(row: 0, column: 0) else {
            return try holder(on: connection)
        }
        return try holder(pid: pid, on: connection)
    }
}

extension RunLock {
    /// The session `pid` as a lock holder, with the run it announced (an `application_name` of the shape
    /// ``applicationName(kind:runID:)`` writes, looked up in the ledger); `nil` when it has ended.
    static func holder(pid: Int, on connection: PGConnection) throws -> Holder? {
        let result = try connection.execute(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'),
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              FROM pg_stat_activity a WHERE a.pid = \(pid)
            """)
        guard result.rowCount == 1 else { return nil }
        let name = result.string(row: 0, column: 1) ?? ""
        var run: RunRecord?
        let words = name.split(separator: " ")
        if words.count == 4, words[0] == "backstop", words[2] == "run", let id = Int64(words[3]) {
            run = try RunLedger(connection: connection).run(id: id)
        }
        return Holder(
            backendPID: try result.int(row: 0, column: 0), applicationName: name,
            client: result.string(row: 0, column: 2) ?? "", since: result.string(row: 0, column: 3) ?? "", run: run)
    }
}
