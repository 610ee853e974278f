/// The run's stop switch as the applier sees it (the pipeline's `StopSwitch` is one): a named safe point
/// before each batch, and a cancel action kept registered while sibling connections write a wave.
///
/// A protocol so BackstopMerge does not depend on the pipeline: the applier only asks "stop here?" and
/// registers how to interrupt a blocked COPY; signal handling stays with the runner. Stopping at
/// `apply.batch` leaves whole batches only, and the same apply resumes where it stopped.
public protocol ApplyStop: Sendable {
    /// Whether the run must stop at this safe point (`apply.batch`).
    /// - Parameter name: The safe point's name.
    /// - Returns: Whether to stop here.
    func safePoint(_ name: String) -> Bool
    /// Whether the run must stop at its next safe point.
    var isStopped: Bool { get }
    /// Registers `action` (it cancels blocked work) for as long as `body` runs.
    /// - Parameters:
    ///   - action: What cancels the blocked work; safe to call from another thread.
    ///   - body: The work during which the action stays registered.
    /// - Returns: What `body` returns.
    func onStop<T>(_ action: @escaping @Sendable () -> Void, during body: () throws -> T) rethrows -> T
}
