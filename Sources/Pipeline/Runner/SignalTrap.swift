import Dispatch
import Synchronization
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGTERM (systemd's stop, `kill`), SIGINT (Ctrl-C) and SIGHUP (a closed terminal) into a throw of
/// the run's ``StopSwitch``: the stages end at their next safe point, a COPY in flight is cancelled through
/// libpq, and the run is recorded `stopped` with a partial but valid report before the process exits with
/// 128 + the signal. A second signal of the same kinds ends the process at once (the default action), for
/// a run that does not reach a safe point in time.
public final class SignalTrap {
    /// The signals that stop a run.
    public static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// The dispatch sources that receive them (kept alive while the trap is installed).
    private let sources: [any DispatchSourceSignal]

    /// Installs the trap for `stopSwitch` until ``uninstall()``.
    /// - Parameter stopSwitch: The run's switch.
    public init(_ stopSwitch: StopSwitch) {
        let queue = DispatchQueue(label: "backstop.signals")
        sources = Self.signals.map { number in
            signal(number, SIG_IGN)  // the dispatch source receives it instead of the default action
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if stopSwitch.isSignalled {
                    // A second signal: the run did not reach a safe point; end the process as asked.
                    for other in Self.signals { signal(other, SIG_DFL) }
                    kill(getpid(), number)
                    return
                }
                FileHandle.standardError.write(
                    Data(
                        "backstop: \(StopReason.signal(number)); stopping at the next safe point (again to end at once)\n"
                            .utf8))
                stopSwitch.stop(.signal(number))
            }
            source.resume()
            return source
        }
    }

    /// Restores the default actions.
    public func uninstall() {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}

/// How often the test pause point was passed in this process.
enum SafePointCounter {
    /// The count.
    static let hits = Mutex(0)
}

extension StopSwitch {
    /// Whether a signal (not the time limit) threw the switch.
    public var isSignalled: Bool {
        if case .signal = reason { return true }
        return false
    }

    /// The signal that threw the switch, when one did.
    public var signalNumber: Int32? {
        if case .signal(let number) = reason { return number }
        return nil
    }

    /// A named safe point of a stage: returns whether the run must stop here.
    ///
    /// For fault tests, `BACKSTOP_TEST_PAUSE_AT=<name>` makes the process print
    /// `backstop: paused at <name>` on standard error and wait there until the switch is thrown (a signal)
    /// or the file named by `BACKSTOP_TEST_RESUME_FILE` exists (at most 60 s), so a test can signal, kill
    /// the process or terminate its backend at exactly this point; `BACKSTOP_TEST_PAUSE_AFTER=<n>` passes
    /// the point `n` times first (e.g. to pause after some batches were committed).
    /// - Parameter name: The safe point (`extract.catalog.copy`, `extract.dump`, `apply.batch`,
    ///   `index.batch`).
    /// - Returns: ``isStopped`` after any pause.
    public func safePoint(_ name: String) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["BACKSTOP_TEST_PAUSE_AT"] == name,
            SafePointCounter.hits.withLock({ hits in
                hits += 1
                return hits
            }) > Int(environment["BACKSTOP_TEST_PAUSE_AFTER"] ?? "0") ?? 0
        {
            FileHandle.standardError.write(Data("backstop: paused at \(name)\n".utf8))
            let resume = environment["BACKSTOP_TEST_RESUME_FILE"]
            let until = Deadline(seconds: 60)
            while !isStopped, !until.isExpired, !(resume.map(FileManager.default.fileExists(atPath:)) ?? false) {
                usleep(10_000)
            }
        }
        return isStopped
    }
}
