public import Foundation

/// A run's findings against the previous comparable run (same kind and shop, complete): which are new,
/// which persist (and since when), which were resolved, and the totals of recent runs for the trend.
public struct RunHistory: Sendable, Hashable {
    /// Whether a finding appeared in this run, was already there, or is gone.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Not in the previous comparable run.
        case new
        /// Also in the previous comparable run; open since its first run.
        case persisting
        /// In the previous comparable run, not in this one.
        case resolved
    }

    /// The run a finding was first seen in (the start of its unbroken chain of comparable runs).
    public struct Origin: Sendable, Hashable, Codable {
        /// The run the finding was first seen in.
        public var runID: Int64
        /// That run's start.
        public var at: Date

        /// Names the run a finding was first seen in and when that run started.
        public init(runID: Int64, at: Date) {
            self.runID = runID
            self.at = at
        }
    }

    /// One recent run, for the trend chart.
    public struct Point: Sendable, Hashable, Codable {
        /// The run (`backstop.run.id`).
        public var runID: Int64
        /// When it started (the trend chart's x axis).
        public var startedAt: Date
        /// How it ended (the ledger's trend leaves out running and failed runs).
        public var status: RunStatus
        /// Its discrepancy total.
        public var total: Int

        /// Summarises one run of the trend: its id, start, status and discrepancy total.
        public init(runID: Int64, startedAt: Date, status: RunStatus, total: Int) {
            self.runID = runID
            self.startedAt = startedAt
            self.status = status
            self.total = total
        }
    }

    /// A finding stored by an earlier run, with the run it was first seen in.
    public struct StoredFinding: Sendable, Hashable {
        /// The finding.
        public var discrepancy: Discrepancy
        /// Where it was first seen (`nil` for findings stored before history existed: their own run).
        public var origin: Origin?

        /// Pairs a finding read back from the ledger with its first-seen run (`nil` for findings stored
        /// before history existed).
        public init(discrepancy: Discrepancy, origin: Origin?) {
            self.discrepancy = discrepancy
            self.origin = origin
        }
    }

    /// The run these states describe.
    public var runID: Int64
    /// The previous comparable run, when there is one.
    public var previous: Point?
    /// First-seen runs of this run's findings, by identity.
    public var origins: [Discrepancy.Identity: Origin]
    /// Findings of the previous comparable run that this run no longer has, in report order.
    public var resolved: [Discrepancy]
    /// Whether resolutions were computed: a partial run proves no absence, so it resolves nothing.
    public var resolvedComputed: Bool
    /// Recent comparable runs up to this one, oldest first.
    public var trend: [Point]

    /// Assembles a history from parts already computed; a run computes them with
    /// ``compare(runID:startedAt:current:partial:previous:trend:)``.
    public init(
        runID: Int64, previous: Point?, origins: [Discrepancy.Identity: Origin], resolved: [Discrepancy],
        resolvedComputed: Bool, trend: [Point]
    ) {
        self.runID = runID
        self.previous = previous
        self.origins = origins
        self.resolved = resolved
        self.resolvedComputed = resolvedComputed
        self.trend = trend
    }

    /// The state of one of this run's findings: ``State/new`` when its origin is this run or unknown,
    /// ``State/persisting`` otherwise. Never ``State/resolved``: resolved findings are in ``resolved``.
    /// - Parameter discrepancy: A finding of this run.
    /// - Returns: Whether it is new or persisting.
    public func state(of discrepancy: Discrepancy) -> State {
        guard let origin = origins[discrepancy.identity], origin.runID != runID else { return .new }
        return .persisting
    }

    /// Where one of this run's findings was first seen (this run for new findings).
    /// - Parameter discrepancy: A finding of this run.
    /// - Returns: Its origin, `nil` for a finding that was not among the run's current findings.
    public func origin(of discrepancy: Discrepancy) -> Origin? { origins[discrepancy.identity] }

    /// Counts of new and persisting findings among `discrepancies`, and of resolved ones: the numbers of
    /// a report's "since the previous run" line and of the `backstop_discrepancies_by_state` metric.
    /// - Parameter discrepancies: This run's findings (or a subset, such as one kind's).
    /// - Returns: A count for every state, zero included.
    public func counts(_ discrepancies: [Discrepancy]) -> [State: Int] {
        var counts: [State: Int] = [.new: 0, .persisting: 0, .resolved: resolved.count]
        for d in discrepancies { counts[state(of: d), default: 0] += 1 }
        return counts
    }

    /// Compares a run's findings with the previous comparable run's.
    ///
    /// A finding is persisting when the previous run had the same ``Discrepancy/Identity``; it inherits
    /// that finding's origin, so "open since" survives any number of runs. A finding of the previous run
    /// that this run lacks is resolved, unless this run is partial.
    ///
    /// ```swift
    /// let history = RunHistory.compare(
    ///     runID: 43, startedAt: now, current: findings, partial: false,
    ///     previous: (run: run42, findings: stored42))
    /// history.counts(findings)   // [.new: 3, .persisting: 120, .resolved: 7]
    /// ```
    ///
    /// - Parameters:
    ///   - runID: this run.
    ///   - startedAt: its start (the origin of its new findings).
    ///   - current: its findings.
    ///   - partial: the run read partial input: it resolves nothing (absence proves nothing).
    ///   - previous: the previous comparable run and its stored findings, when there is one.
    ///   - trend: recent comparable runs up to this one, oldest first.
    /// - Returns: where each current finding was first seen, the resolved findings, and the trend.
    /// - Complexity: O(n + m) for n current and m previous findings, plus sorting the resolved ones.
    public static func compare(
        runID: Int64, startedAt: Date, current: [Discrepancy], partial: Bool,
        previous: (run: Point, findings: [StoredFinding])?, trend: [Point] = []
    ) -> RunHistory {
        var before: [Discrepancy.Identity: StoredFinding] = [:]
        before.reserveCapacity(previous?.findings.count ?? 0)
        for finding in previous?.findings ?? [] { before[finding.discrepancy.identity] = finding }
        let own = Origin(runID: runID, at: startedAt)
        var origins: [Discrepancy.Identity: Origin] = [:]
        origins.reserveCapacity(current.count)
        for d in current {
            let identity = d.identity
            if let earlier = before.removeValue(forKey: identity), let previous {
                origins[identity] = earlier.origin ?? Origin(runID: previous.run.runID, at: previous.run.startedAt)
            } else if origins[identity] == nil {
                origins[identity] = own
            }
        }
        let resolved = partial ? [] : before.values.map(\.discrepancy).sorted { $0.identity < $1.identity }
        return RunHistory(
            runID: runID, previous: previous?.run, origins: origins, resolved: resolved,
            resolvedComputed: previous != nil && !partial, trend: trend)
    }
}
