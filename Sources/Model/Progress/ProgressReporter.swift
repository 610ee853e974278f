/// Where a library sends the progress of its long pieces of work (bytes of a dump, catalog rows, images,
/// apply batches). Libraries draw nothing (swift-log's rule: a library accepts a logger and a callback);
/// the `backstop` CLI passes a reporter that draws a bar on a terminal or logs a line every half minute,
/// and tests pass one that records the events.
///
/// ```swift
/// let rows = progress.start("extract.catalog", total: nil, unit: .items("rows"))
/// defer { rows.finish() }
/// rows.update(4096)
/// ```
public struct ProgressReporter: Sendable {
    private let receive: @Sendable (ProgressEvent) -> Void

    /// A reporter that hands every event to `receive` (called from any thread, often many times a second).
    /// - Parameter receive: Draws, logs or records the event.
    public init(_ receive: @escaping @Sendable (ProgressEvent) -> Void) { self.receive = receive }

    /// A reporter that drops every event: the default where no one watches (tests, benches, libraries
    /// called without a CLI).
    public static let ignored = ProgressReporter { _ in }

    /// Sends one event.
    /// - Parameter event: The event.
    public func report(_ event: ProgressEvent) { receive(event) }

    /// Announces a piece of work and returns its tracker; call ``ProgressTracker/finish()`` when it ends.
    /// - Parameters:
    ///   - label: The work's name (`extract.dump`).
    ///   - total: The total, when known (a value ≤ 0 is taken as unknown).
    ///   - unit: What is counted.
    /// - Returns: The tracker to update.
    public func start(_ label: String, total: Int64?, unit: ProgressUnit) -> ProgressTracker {
        let tracker = ProgressTracker(label: label, unit: unit, reporter: self)
        report(ProgressEvent(label: label, phase: .started, done: 0, total: total, unit: unit))
        return tracker
    }
}

/// One piece of work's progress as the library that does it sees it: it says how far it is, the reporter's
/// receiver decides whether and how to show it.
public struct ProgressTracker: Sendable {
    /// The work's name.
    public let label: String
    /// What is counted.
    public let unit: ProgressUnit
    private let reporter: ProgressReporter

    init(label: String, unit: ProgressUnit, reporter: ProgressReporter) {
        self.label = label
        self.unit = unit
        self.reporter = reporter
    }

    /// Reports `done` units so far (from any thread; a smaller value than one already reported is ignored
    /// by the receiver).
    /// - Parameter done: Units done.
    public func update(_ done: Int64) {
        reporter.report(ProgressEvent(label: label, phase: .advanced, done: done, total: nil, unit: unit))
    }

    /// Reports `done` of a total learnt only now (the index stage's image count).
    /// - Parameters:
    ///   - done: Units done.
    ///   - total: Units in all.
    public func update(_ done: Int64, of total: Int64) {
        reporter.report(ProgressEvent(label: label, phase: .advanced, done: done, total: total, unit: unit))
    }

    /// Ends the work (the bar is removed); later calls are ignored by the receiver.
    public func finish() {
        reporter.report(ProgressEvent(label: label, phase: .finished, done: 0, total: nil, unit: unit))
    }
}

/// What a progress count counts.
public enum ProgressUnit: Sendable, Hashable {
    /// Bytes (shown as MB).
    case bytes
    /// Things with a name (`rows`, `images`, `batches`).
    case items(String)
}

/// One report of how far a piece of work is.
public struct ProgressEvent: Sendable, Hashable {
    /// Where in its life the work is.
    public enum Phase: Sendable, Hashable {
        /// The work begins (`done` is 0).
        case started
        /// `done` units are done (of `total`, when the event carries one).
        case advanced
        /// The work ended, finished or not.
        case finished
    }

    /// The work's name (`extract.dump`, `index.images`).
    public var label: String
    /// Where in its life the work is.
    public var phase: Phase
    /// Units done.
    public var done: Int64
    /// Units in all, when known (on `started`, or learnt later on `advanced`).
    public var total: Int64?
    /// What is counted.
    public var unit: ProgressUnit

    /// Describes one step of a piece of work.
    /// - Parameters:
    ///   - label: The work's name.
    ///   - phase: Started, advanced or finished.
    ///   - done: Units done.
    ///   - total: Units in all, when known.
    ///   - unit: What is counted.
    public init(label: String, phase: Phase, done: Int64, total: Int64?, unit: ProgressUnit) {
        self.label = label
        self.phase = phase
        self.done = done
        self.total = total
        self.unit = unit
    }
}
