import Foundation
import Synchronization

/// Why a run stops before its end.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    /// The time limit (`--max-seconds`) passed.
    case deadline(Deadline)
    /// The process received a signal asking it to stop (SIGTERM, SIGINT or SIGHUP; its number).
    case signal(Int32)

    /// `--max-seconds 600 reached`, or `signal 15 (SIGTERM) received`.
    public var description: String {
        switch self {
        case .deadline(let deadline): "\(deadline) reached"
        case .signal(let number): "signal \(number) (\(Self.signalName(number))) received"
        }
    }

    /// `SIGTERM`, `SIGINT`, `SIGHUP`, else `SIG<number>`.
    public static func signalName(_ number: Int32) -> String {
        switch number {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 15: "SIGTERM"
        default: "SIG\(number)"
        }
    }
}

extension Deadline: Equatable {
    /// Two deadlines are equal when they have the same limit and start.
    public static func == (lhs: Deadline, rhs: Deadline) -> Bool {
        lhs.seconds == rhs.seconds && lhs.start == rhs.start
    }
}

/// The one place a run learns that it must stop early: its time limit passed, or a signal arrived.
///
/// A job makes one switch per run and hands it to every stage. Long work polls ``isStopped`` at its safe
/// points (between batches of rows, images or statements) and ends the stage there, so what was done is
/// saved and the report is valid. Work that blocks in a call it cannot poll (a COPY waiting on the server)
/// registers a cancel action with ``onStop(_:during:)``, which runs once when the switch is thrown by a signal.
/// Time-limit stops are only polled: they never cancel work in flight.
public final class StopSwitch: Sendable {
    /// The run's time limit (``Deadline/none`` when there is none).
    public let deadline: Deadline
    /// The stop reason once thrown, the pending cancel actions and the next registration number.
    private let state = Mutex<State>(State())

    /// The mutable part, behind the mutex.
    private struct State {
        var reason: StopReason?
        /// Set while the first ``stop(_:)`` runs the cancel actions, before ``reason`` is published.
        var stopping = false
        var actions: [Int: @Sendable () -> Void] = [:]
        var next = 0
    }

    /// Makes a switch for a run with this time limit.
    /// - Parameter deadline: The run's time limit, started when the job starts.
    public init(deadline: Deadline = .none) {
        self.deadline = deadline
    }

    /// Why the run must stop: the first ``stop(_:)``, else the passed deadline; `nil` while it may go on.
    public var reason: StopReason? {
        if let reason = state.withLock({ $0.reason }) { return reason }
        return deadline.isExpired ? .deadline(deadline) : nil
    }

    /// Whether the run must stop at its next safe point.
    public var isStopped: Bool { reason != nil }

    /// Throws the switch: the first reason wins, and every registered cancel action runs once (outside
    /// the lock, on the caller's thread) before the reason is published, so no stage sees the stop and
    /// sends its next statement while a cancel request is still on its way to the server (it would cancel
    /// that statement instead of the one in flight).
    /// - Parameter reason: Why the run must stop.
    public func stop(_ reason: StopReason) {
        let actions = state.withLock { state -> [@Sendable () -> Void]? in
            guard state.reason == nil, !state.stopping else { return nil }
            state.stopping = true
            defer { state.actions = [:] }
            return Array(state.actions.values)
        }
        guard let actions else { return }
        for action in actions { action() }
        state.withLock { $0.reason = reason }
    }

    /// Waits while a ``stop(_:)`` in progress runs its cancel actions (at most `seconds`), so that code that
    /// just saw its work fail can tell whether the switch's cancel caused it: the reason is published only
    /// after the cancel actions ran, and a statement cancelled by one fails before that.
    /// - Parameter seconds: The longest wait.
    public func settle(waitingUpTo seconds: Double = 5) {
        let until = Deadline(seconds: seconds)
        while state.withLock({ $0.stopping && $0.reason == nil }), !until.isExpired { usleep(1_000) }
    }

    /// Registers `action` to run when the switch is thrown (at once when it already was), for as long as
    /// `body` runs: a COPY registers its libpq cancel for its own duration.
    /// - Parameters:
    ///   - action: What cancels the blocked work; it must be safe to call from another thread.
    ///   - body: The work during which the action stays registered.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func onStop<T>(_ action: @escaping @Sendable () -> Void, during body: () throws -> T) rethrows -> T {
        let (key, thrown) = state.withLock { state -> (Int, Bool) in
            state.next += 1
            let thrown = state.reason != nil || state.stopping
            if !thrown { state.actions[state.next] = action }
            return (state.next, thrown)
        }
        if thrown { action() }
        defer { _ = state.withLock { $0.actions.removeValue(forKey: key) } }
        return try body()
    }
}
