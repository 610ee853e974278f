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
    var reader: DumpReader?
    var regionIsOpen = false

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
                }
                guard let event else {
                    replay.reader = nil
                    continue
                }
                switch event {
                case .row: return event
                case .end: replay.reader = nil
                default: continue
                }
                continue
            }
            guard replay.nextRegion < deferredRegions.count else {
                let ending = replay.ending
                replay.ending = .success(nil)
                return try ending.get()
            }
            let region = deferredRegions[replay.nextRegion]
            replay.nextRegion += 1
            guard let path = rereadablePath else { continue }
            replay.regionIsOpen = region.end == nil
            var sub = options
            sub.tables = [region.table]
            sub.deferredTables = []
            sub.requireFooter = false
            sub.allowPartial = false
            sub.readAhead = false
            let reader = DumpReader(
                source: try FileRangeByteSource(path: path, from: region.start, to: region.end), file: fileName,
                offset: region.start, line: region.line, statement: region.statementsBefore, options: sub,
                logger: logger)
            reader.database = region.database
            reader.charset = region.charset
            reader.delimiter = region.delimiter
            reader.codeBytes = CodeBytes(delimiter: region.delimiter)
            if let info = region.info { reader.register(info) }
            reader.keysProvider = keysProvider
            replay.reader = reader
        }
    }
}
