import Foundation

extension BackstopConfiguration {
    /// Merge planning and apply settings (`[merge]` in backstop.toml).
    public struct Merge: Sendable, Equatable {
        /// Conflict policy overrides: a selector (`product.missing`, `product.field.price`, `order.status`, …)
        /// → `bitrix` (Bitrix wins: the catalog is written), `catalog` (the catalog wins: a Bitrix-side
        /// change) or `report`. Selectors left out keep the safe defaults (README § Merge).
        public var policy: [String: String] = [:]
        /// The safety valve: refuse a plan whose soft deletes exceed this share of the shop's products.
        public var maxSoftDeleteShare: Double = 0.05
        /// The safety valve: refuse a plan whose updates exceed this share of the shop's products (or orders).
        public var maxUpdateShare: Double = 0.05
        /// Steps per batch: one transaction, one COPY per batch. 5000 rather than 1000: a batch costs a dozen
        /// round trips and statements whatever its size, and `bench/40-apply.sh` measured 1000-step batches
        /// at 0.64× the rate of 5000-step ones on two workers; a 5000-step batch still holds its row locks
        /// for a fraction of a second.
        public var batchSize: Int = 5000
        /// Connections writing batches of one kind at once: by default one per core, up to 4 (the apply is
        /// bound by the server's work per row, which a second backend shares; `bench/40-apply.sh` measures
        /// it beside psql's own COPY). 1 is one writer, the gentlest on a busy live catalog.
        public var workers: Int = Merge.defaultWorkers

        /// One writing connection per core, at most 4.
        public static var defaultWorkers: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }
        /// How long a batch waits for a row another session holds before it gives up (rolled back whole; the
        /// same apply finishes it later), in seconds.
        public var lockTimeoutSeconds: Int = 30
        /// How far past the highest Bitrix element id a sequence is advanced: room for the ids Bitrix has yet
        /// to hand out (about 30k a year upstream), so local and Bitrix ids stay apart for decades.
        public var sequenceHeadroom: Int64 = 1_000_000

        /// The defaults.
        public init() {}
    }
}
