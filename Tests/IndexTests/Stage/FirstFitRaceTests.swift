import BackstopIndex
import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Foundation
import Synchronization
import Testing

/// The first-night race: two runs (the partitions of a fleet) start on a catalog with no local model, each fits
/// one on its own shops' images, and the one that finishes second must embed with the first one's model, so
/// the catalog's vectors come from one model and a later single run sees the same cosines.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct FirstFitRaceTests {
    /// Two partitions' pictures: disjoint products, different pictures, so their fitted models differ.
    static func partitions() throws -> (ResumableIndexStageTests.Pictures, ResumableIndexStageTests.Pictures) {
        let first = try ResumableIndexStageTests.Pictures(count: 20, seed: 11)
        let other = try ResumableIndexStageTests.Pictures(count: 20, seed: 12)
        let moved = other.products.map { product in
            var product = product
            product.id += 10_000
            return product
        }
        for (old, new) in zip(other.products, moved) {
            try FileManager.default.moveItem(
                at: other.folder.appendingPathComponent("upload/\(old.id).jpg"),
                to: other.folder.appendingPathComponent("upload/\(new.id).jpg"))
        }
        let second = ResumableIndexStageTests.Pictures(
            folder: other.folder,
            products: moved.map { product in
                var product = product
                product.image = "https://cvety.kz/upload/\(product.id).jpg"
                return product
            })
        return (first, second)
    }

    /// What a race left: the late run's outcome, the early run's model version, the store, both partitions.
    struct Race {
        let outcome: IndexStage.Outcome
        let earlyVersion: String
        let store: IndexStore
        let early: ResumableIndexStageTests.Pictures
        let late: ResumableIndexStageTests.Pictures
    }

    /// On a fresh migrated catalog, runs a late partition's first fit with `mode`; between its batches (after it
    /// has decided to fit, before it fits), an early partition runs to the end on a second connection and
    /// makes its own model current. Then `check` looks at what was left.
    static func race(_ mode: IndexStage.Mode, check: (Race) throws -> Void) throws {
        let (early, late) = try partitions()
        defer {
            try? FileManager.default.removeItem(at: early.folder)
            try? FileManager.default.removeItem(at: late.folder)
        }
        try TestDatabase.withScratchDatabase(prefix: "firstfit") { conninfo in
            let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { connection.close() }
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(
                on: connection, logger: TestDatabase.quietLogger)
            let store = IndexStore(connection: connection)
            let earlyVersion = Mutex<String?>(nil)
            let failure = Mutex<String?>(nil)
            var stage = try late.stage(mode)
            stage.options.shouldStop = {
                earlyVersion.withLock { version in
                    guard version == nil else { return }
                    do {
                        let connection = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
                        defer { connection.close() }
                        version = try early.run(.incremental, store: IndexStore(connection: connection)).modelVersion
                    } catch {
                        failure.withLock { $0 = "\(error)" }
                    }
                }
                return false
            }
            let outcome = try stage.run(
                input: .init(products: late.products, embeddings: []), store: store, writer: nil, runID: nil)
            if let message = failure.withLock({ $0 }) { Issue.record("the early run failed: \(message)") }
            let version = try #require(earlyVersion.withLock { $0 }, "the early run ran between the late run's batches")
            try check(Race(outcome: outcome, earlyVersion: version, store: store, early: early, late: late))
        }
    }

    @Test func aFirstFitAdoptsTheModelAConcurrentRunMadeCurrent() throws {
        try Self.race(.incremental) { race in
            let alone = try #require(
                try race.late.stage(.full).run(
                    input: .init(products: race.late.products, embeddings: []), store: nil, writer: nil, runID: nil
                ).modelVersion, "the late partition's own model")
            #expect(alone != race.earlyVersion, "the partitions fit different models (else the test proves nothing)")
            #expect(race.outcome.modelVersion == race.earlyVersion, "the late run embeds with the model that won")
            #expect(try race.store.currentModel()?.version == race.earlyVersion)
            let versions = Set(try race.store.vectors().values.map(\.modelVersion))
            #expect(versions == [race.earlyVersion], "every stored vector comes from one model: \(versions)")
            #expect(try race.store.vectors().count == race.early.products.count + race.late.products.count)
        }
    }

    @Test func anExplicitRefitStillReplacesTheCurrentModel() throws {
        try Self.race(.full) { race in
            let version = try #require(race.outcome.modelVersion)
            #expect(version != race.earlyVersion, "reindex --full fits its own model")
            #expect(try race.store.currentModel()?.version == version, "and makes it current")
        }
    }

    @Test func anotherShopsRunKeepsThisShopsVectors() throws {
        let (mine, other) = try Self.partitions()
        defer {
            try? FileManager.default.removeItem(at: mine.folder)
            try? FileManager.default.removeItem(at: other.folder)
        }
        let theirs = other.products.map { product in
            var product = product
            product.shopID = 71264
            return product
        }
        let catalog = IndexStage.Input(products: mine.products + theirs, embeddings: [])
        try TestDatabase.withConnection(prefix: "twoshops") { connection in
            try Migrator(directory: RepoPaths.backstopMigrations).migrate(
                on: connection, logger: TestDatabase.quietLogger)
            let store = IndexStore(connection: connection)
            let first = try mine.stage(.incremental).run(input: catalog, store: store, writer: nil, runID: nil)
            #expect(first.imagesDecoded == mine.products.count)
            var theirStage = try other.stage(.incremental)
            theirStage.options.shopID = 71264
            let second = try theirStage.run(input: catalog, store: store, writer: nil, runID: nil)
            #expect(second.imagesDecoded == theirs.count, "the other shop's images, with the model of the first run")
            #expect(try store.vectors().count == mine.products.count + theirs.count, "both shops' vectors are kept")
            let again = try mine.stage(.incremental).run(input: catalog, store: store, writer: nil, runID: nil)
            #expect(again.imagesDecoded == 0, "nothing changed for the first shop: nothing is decoded again")
            #expect(again.discrepancies.map(\.identity) == first.discrepancies.map(\.identity))
        }
    }
}
