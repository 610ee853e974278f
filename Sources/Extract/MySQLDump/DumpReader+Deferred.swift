/// Where a deferred table's statements lie in the file (``DumpReader/Options/deferredTables``), and what
/// the reader knew where they start: the second read starts there with the same state.
struct DeferredRegion {
    let table: String
    /// The absolute offset of the table's first INSERT, its line and the statements before it.
    let start: Int64
    let line: Int
    let statementsBefore: Int
    /// Just after the table's last INSERT; `nil` while (or when, at a truncation) it is not known.
    var end: Int64?
    let database: String?
    let charset: DumpCharset
    let delimiter: [UInt8]
    /// The table's `CREATE TABLE`, when one came before.
    let info: TableInfo?
}

/// The second read of a reader's deferred tables: the regions read one after another, then the first
/// read's own end (or error).
final class DeferredReplay {
    /// How the first read ended: its `.end` event, or the error it threw (held until the deferred rows
    /// before it are handed out).
    var ending: Result<DumpEvent?, ExtractError>
    var nextRegion = 0
    /// The region being read: a reader of its byte range, or the stream of its read ahead.
    var reader: (any DumpEventStream)?
    var regionIsOpen = false
    /// The filter that counted the rows a read ahead skimmed, added to the reader's own once that region
    /// has been handed out (a read ahead that was not used counts nothing).
    var prefetchFilter: DumpRowFilter?

    init(ending: Result<DumpEvent?, ExtractError>) { self.ending = ending }
}

extension DumpReader {
    /// Skips the INSERT at `pos` (into deferred table `table`), extending or starting its region.
    func deferStatement(table: String, database: String?, at start: Int) throws(ExtractError) {
        if let last = deferredRegions.indices.last(where: { deferredRegions[$0].table == table }) {
            deferredRegions[last].end = nil
            try skipStatement()
            deferredRegions[last].end = unsafe buffer.offsetOfBase + Int64(pos)
            return
        }
        let location = buffer.location(of: start)
        deferredRegions.append(
            DeferredRegion(
                table: table, start: location.offset, line: location.line,
                statementsBefore: unsafe statementNumber - 1, end: nil, database: database, charset: charset,
                delimiter: delimiter, info: lookup(table, database: database)))
        try skipStatement()
        deferredRegions[deferredRegions.count - 1].end = unsafe buffer.offsetOfBase + Int64(pos)
    }

    /// The next row of the deferred tables, then the first read's end (or its error), then `nil`.
    ///
    /// A region read ahead (``prefetchDeferred()``) is used when its extent and the keys the consumer
    /// gives now are the ones it was started with: then it holds exactly the rows a reader started here
    /// would give; otherwise it is dropped and the region is read here.
    func nextDeferred() throws(ExtractError) -> DumpEvent? {
        guard let replay else { return nil }
        while true {
            if let reader = replay.reader {
                let event: DumpEvent?
                do {
                    event = try reader.next()
                } catch  where error.code == .truncated && replay.regionIsOpen {
                    // The region the first read was cut in: its rows up to the cut are read; the first
                    // read's own truncation (or partial end) follows.
                    event = nil
                } catch {
                    endRegion(replay)
                    throw error
                }
                guard let event else {
                    endRegion(replay)
                    continue
                }
                switch event {
                case .row: return event
                case .end: endRegion(replay)
                default: continue
                }
                continue
            }
            guard replay.nextRegion < deferredRegions.count else {
                let ending = replay.ending
                replay.ending = .success(nil)
                return try ending.get()
            }
            let index = replay.nextRegion
            let region = deferredRegions[index]
            replay.nextRegion += 1
            guard let path = rereadablePath else { continue }
            replay.regionIsOpen = region.end == nil
            if let prefetch = prefetches.removeValue(forKey: index) {
                // Asked at the place a reader started here would ask: after every event before it.
                if prefetch.end == region.end && prefetch.keys == keysProvider?(region.table) {
                    replay.reader = prefetch.stream
                    replay.prefetchFilter = prefetch.filter
                    prefetchesUsed += 1
                    continue
                }
            }
            let reader = try regionReader(region, path: path, options: regionOptions(region))
            reader.keysProvider = keysProvider
            replay.reader = reader
        }
    }

    /// Starts a batch of rows for another thread (``ReadAheadDumpStream``): the rows read from now on
    /// share a table-and-columns object of their own, the second read's rows included.
    func startBatch() {
        unsafe rows?.renewSource()
        (replay?.reader as? DumpReader)?.startBatch()
    }

    /// Ends the region being read: a read ahead's skimmed rows now count as the reader's.
    private func endRegion(_ replay: DeferredReplay) {
        replay.reader = nil
        if let counted = replay.prefetchFilter {
            options.rowFilter?.noteDropped(counted.dropped)
            replay.prefetchFilter = nil
        }
    }

    /// The options of a deferred region's second read: that table only, as a part of the file.
    private func regionOptions(_ region: DeferredRegion) -> Options {
        var sub = options
        sub.tables = [region.table]
        sub.deferredTables = []
        sub.requireFooter = false
        sub.allowPartial = false
        sub.readAhead = false
        return sub
    }

    /// A reader of `region`'s bytes of the file at `path`, in the state the first read was in there
    /// (database, charset, delimiter, the table's `CREATE TABLE`), its errors naming the file's positions.
    private func regionReader(_ region: DeferredRegion, path: String, options sub: Options) throws(ExtractError)
        -> DumpReader
    {
        let reader = DumpReader(
            source: try FileRangeByteSource(path: path, from: region.start, to: region.end), file: fileName,
            offset: region.start, line: region.line, statement: region.statementsBefore, options: sub,
            logger: logger)
        reader.database = region.database
        reader.charset = region.charset
        reader.delimiter = region.delimiter
        reader.codeBytes = CodeBytes(delimiter: region.delimiter)
        if let info = region.info { reader.register(info) }
        return reader
    }

    /// Starts reading ahead, each on a thread of its own, the deferred regions of filtered tables that are
    /// complete so far (with ``Options/readAhead`` on a plain file): called when the consumer has just
    /// given the keys of a filtered table read in place, the moment it can give theirs too.
    ///
    /// What it is for: the Bitrix model's basket lines (deferred after the orders) and its order property
    /// values (read in place after the orders) are both filtered by the kept orders; asked when the
    /// property values begin, the basket's keys are the same as at its own place, so its second read runs
    /// beside the property values' instead of after them (on `m`, 0.5 s of the reading thread's 2.7).
    /// The keys are asked again at the region's place (``nextDeferred()``): a read ahead whose keys or
    /// extent changed since is dropped, so the rows are always the serial read's. It skims into a filter of
    /// its own, so rows it dropped count only when it is used, and it hands over at most
    /// ``prefetchCapacity`` batches before waiting for its turn.
    func prefetchDeferred() {
        guard options.readAhead, let path = rereadablePath, let filter = options.rowFilter else { return }
        for (index, region) in deferredRegions.enumerated() {
            guard let end = region.end, prefetches[index] == nil, filter.keyColumns[region.table] != nil else {
                continue
            }
            let keys = keysProvider?(region.table)
            var sub = regionOptions(region)
            let own = DumpRowFilter(keyColumns: filter.keyColumns, idColumns: filter.idColumns) { _ in keys }
            sub.rowFilter = own
            guard let reader = try? regionReader(region, path: path, options: sub) else { continue }
            let stream = ReadAheadDumpStream(
                reader, capacity: Self.prefetchCapacity, keysFromConsumer: false, name: "backstop-dump-ahead")
            prefetches[index] = DeferredPrefetch(end: end, keys: keys, filter: own, stream: stream)
        }
    }

    /// Batches (of ``ReadAheadDumpStream/defaultBatchSize`` events) a deferred region reads ahead of its
    /// turn at most: 128 Ki kept rows, the Bitrix model's basket lines of the kept orders on `m` (50 Ki)
    /// whole.
    static let prefetchCapacity = 64
}

/// A deferred region being read ahead of its turn, and what it was started with.
struct DeferredPrefetch {
    /// The region's end when the read ahead began (a later statement of its table extends it).
    let end: Int64
    /// The keys the read ahead skims by.
    let keys: Set<Int64>?
    /// Counts the rows the read ahead skimmed.
    let filter: DumpRowFilter
    /// The region's events.
    let stream: ReadAheadDumpStream
}
