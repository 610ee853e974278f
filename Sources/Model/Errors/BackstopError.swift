/// An error of a Backstop module: one type per module (`ExtractError`, `PGError`, `PipelineError`, …), each
/// with a machine-readable code, a message written for people, and, for an error that wraps another, the
/// cause kept whole (``underlyingError``, as swift-subprocess's errors do).
///
/// The CLI prints such an error as `error[<module>.<code>]: <message>`, naming the root cause's code, and
/// exits with ``ExitStatus/init(for:)``: the one place an error's code becomes an exit status.
public protocol BackstopError: Error, CustomStringConvertible {
    /// The module's name in `error[<module>.<code>]` (`extract`, `pg`, `pipeline`).
    static var module: String { get }
    /// The code's name (`truncated`, `connection`, `runFailed`): stable, for scripts and alerting.
    var codeName: String { get }
    /// The error this one wraps, when it wraps one.
    var underlyingError: (any Error)? { get }
}

extension BackstopError {
    /// Most errors wrap nothing.
    public var underlyingError: (any Error)? { nil }

    /// `extract.truncated`: the module and the code, as stderr and the logs show them.
    public var qualifiedCode: String { "\(Self.module).\(codeName)" }
}

/// Walking a chain of wrapped errors.
public enum ErrorChain {
    /// `error` and every error it wraps, outermost first (at most 16 deep: a chain is never a cycle, but a
    /// bound costs nothing).
    /// - Parameter error: The outermost error.
    /// - Returns: The chain.
    public static func unwrap(_ error: any Error) -> [any Error] {
        var chain: [any Error] = [error]
        while chain.count < 16, let next = (chain.last as? any BackstopError)?.underlyingError {
            chain.append(next)
        }
        return chain
    }

    /// The innermost Backstop error of the chain: the cause whose code names what went wrong.
    /// - Parameter error: The outermost error.
    /// - Returns: The root cause, or `nil` when no error of the chain is a ``BackstopError``.
    public static func rootCause(of error: any Error) -> (any BackstopError)? {
        unwrap(error).last { $0 is any BackstopError } as? any BackstopError
    }

    /// `error[extract.truncated]: <message>`: how the CLI prints an error (the outermost message, which
    /// names the run and the report, tagged with the root cause's code).
    /// - Parameter error: The error to print.
    /// - Returns: The line, or the plain description for an error of no Backstop module.
    public static func line(for error: any Error) -> String {
        guard let root = rootCause(of: error) else { return "\(error)" }
        return "error[\(root.qualifiedCode)]: \(error)"
    }
}

extension ExitStatus {
    /// The exit status of a failure: the one mapping from an error's code to the process's exit status.
    /// The root cause decides (``ErrorChain/rootCause(of:)``): a `configuration` code is a usage error
    /// (64), and so is `pipeline.shopSelection` (a `--shop` or `--partition` the catalog does not have),
    /// `store.locked` means another run holds the lock (75), everything else is a failure (1).
    /// Statuses of runs that ended (drift, partial, refused, timed out, stopped) come from the run's result,
    /// not from an error.
    /// - Parameter error: The error that ended the command.
    public init(for error: any Error) {
        guard let root = ErrorChain.rootCause(of: error) else {
            self = .failure
            return
        }
        switch (type(of: root).module, root.codeName) {
        case (_, "configuration"), ("pipeline", "shopSelection"): self = .usage
        case ("store", "locked"): self = .locked
        default: self = .failure
        }
    }
}
