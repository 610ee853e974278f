import ArgumentParser
import BackstopModel
import BackstopPostgres
import BackstopReport
import BackstopStore
import Foundation

extension Backstop {
    /// `backstop fleet`: the fleet page of a partitioned nightly, assembled from the ledger after the
    /// workers finished (each worker only knows its own shops).
    ///
    /// It reads, never runs: each shop's newest finished run of the kind since `--since`, with its counts,
    /// its new findings and its report folder, into a ``FleetPage``. Catalog shops without a run in the
    /// window are listed, so a worker that never ran shows as a gap, not as a clean shop.
    struct Fleet: AsyncParsableCommand {
        /// The command's help, with the partitioned-nightly example.
        static let configuration = CommandConfiguration(
            abstract: "Assemble the fleet page from the runs of a fleet's partitions recorded in backstop.run.",
            discussion: """
                N workers that each ran `backstop nightly --shop all --partition K/N` leave one run per shop in \
                the ledger; this command takes each shop's newest finished run started at or after --since and \
                writes index.html (shops × kinds, worst first, new since the shop's previous run, links to each \
                shop's report) and fleet.json into --out. Catalog shops without a run in the window are listed \
                as not covered.

                Example (after the partitions of tonight's run):
                  backstop fleet --since "$(date -u +%F) 00:00" --out reports/fleet
                """)

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--since`: the window's start, in any form PostgreSQL reads as a `timestamptz` (bound, not spliced).
        @Option(
            help: ArgumentHelp(
                "The window's start: runs started at or after this time (anything PostgreSQL reads as timestamptz).",
                valueName: "time"))
        var since: String

        /// `--kind`: which runs make the page (`nightly` by default).
        @Option(help: "The run kind (nightly, diff).")
        var kind = "nightly"

        /// `--out`: the page's folder; report links are made relative to it.
        @Option(
            help: ArgumentHelp("Where index.html and fleet.json go (default: <report dir>/fleet).", valueName: "dir"))
        var out: String?

        /// Writes `index.html` and `fleet.json` and prints the page's path.
        ///
        /// Shop names come from the catalog's `shop` table when it has one (a catalog without it still
        /// gets a page, with ids only). Each shop's report link is made relative to the page's folder.
        /// - Throws: `ExitCode` 64 for a `--since` PostgreSQL cannot read as a time; `PipelineError` or
        ///   `StoreError` when the catalog or the schema is not usable; `ReportError` when the page cannot be
        ///   written.
        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try global.loadConfiguration()
            let ledger = try global.openLedger(configuration, logger: logger)
            let members: [RunLedger.FleetMember]
            do {
                members = try ledger.fleetMembers(kind: kind, since: since)
            } catch {
                FileHandle.standardError.write(Data("backstop: --since \(since): not a time PostgreSQL reads\n".utf8))
                throw ExitCode(ExitStatus.usage.rawValue)
            }
            let shops =
                (try? ledger.connection.execute("SELECT s.id::text, coalesce(s.name, '') FROM shop s ORDER BY s.id")
                    .rows)
                ?? []
            let names = Dictionary(
                shops.compactMap { row in row[0].flatMap { Int64($0) }.map { ($0, row[1] ?? "") } },
                uniquingKeysWith: { first, _ in first })
            let folder = URL(fileURLWithPath: out ?? configuration.report.directory + "/fleet")
            let covered = Set(members.map(\.shop))
            let page = FleetPage(
                kind: kind,
                shops: members.map { member in
                    FleetPage.Shop(
                        id: member.shop, name: names[member.shop] ?? "", runID: member.run.id,
                        status: member.run.status.rawValue, kinds: member.run.counts.filter { $0.key != "total" },
                        newCount: member.newCount,
                        report: member.run.reportDirectory.map {
                            FleetPage.relativeLink(from: folder, to: URL(fileURLWithPath: $0))
                        })
                },
                outOfScope: names.keys.sorted().filter { !covered.contains($0) }.map { ($0, names[$0] ?? "") },
                generator: "backstop \(Backstop.version)")
            let written = try page.write(to: folder)
            print(
                "fleet: \(members.count) shops from \(Set(members.compactMap(\.partition)).count) partitions; \(written.standardizedFileURL.absoluteString)"
            )
        }
    }
}
