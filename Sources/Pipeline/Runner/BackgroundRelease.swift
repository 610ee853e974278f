import Foundation

/// Holds the large values of a run (the catalog snapshot, the Bitrix model, the reconciliation, the plan)
/// and lets them go on a thread of their own once the run no longer needs them.
///
/// What it is for: freeing a run's inputs is a walk over every product, order and string they hold, one
/// `free` each (on `bench-m`, perf put a fifth of the main thread's work after the dump read in
/// `malloc_consolidate`, `_int_free` and the values' destructors). Done where the values' last reference
/// went, it ran on the run's thread between the report and the exit; released here, it runs beside
/// whatever comes next (the next shop of a fleet, the CLI's exit, which does not wait for it).
///
/// ```swift
/// let leftovers = BackgroundRelease()
/// defer { leftovers.release() }
/// let catalog = leftovers.holding(try readCatalog())
/// ```
final class BackgroundRelease: @unchecked Sendable {  // `values` is only touched on the run's thread, then handed over
    /// The values held, type-erased: each keeps its storage alive until the release.
    private var values: [Any] = []

    /// Holds `value` (a copy of it, which shares its storage) until ``release()``, and returns it.
    /// - Parameter value: A run's value; an optional is held as it is.
    /// - Returns: `value`.
    @discardableResult
    func holding<Value>(_ value: Value) -> Value {
        values.append(value)
        return value
    }

    /// Drops every value held on a new thread: the last references of values the run has finished with go
    /// there, and so does their freeing. Later ``holding(_:)`` calls start a new set.
    func release() {
        guard !values.isEmpty else { return }
        let box = Box(values)
        values = []
        let thread = Thread { box.drop() }
        thread.name = "backstop-release"
        thread.start()
    }

    /// The values on their way to the releasing thread, the only one that touches them from then on.
    private final class Box: @unchecked Sendable {
        /// The values; emptied by ``drop()``.
        private var values: [Any]

        /// Takes over `values`.
        init(_ values: [Any]) { self.values = values }

        /// Releases the values (their storage is freed here when these were the last references).
        func drop() { values = [] }
    }
}
