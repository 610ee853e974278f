public import Foundation
#if canImport(FoundationNetworking)
    public import FoundationNetworking
#endif
import Synchronization

/// A blocking HTTP(S) client on Foundation's `URLSession` (libcurl underneath on Linux), with the limits an
/// unattended batch job needs: a timeout per attempt, retries with exponential backoff on timeouts,
/// connection errors, 429 and 5xx, a redirect budget, and a response size cap enforced while the body
/// streams in (the transfer is cancelled past it, never buffered in full).
///
/// Why URLSession: it ships with the toolchain (no package to build), speaks TLS through the system's
/// libcurl and OpenSSL, follows redirects, and keeps connections alive. Calls block the calling thread,
/// which is what the index stage's worker threads want; never call it from a Swift concurrency task.
public final class HTTPTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked Sendable: `session` is set once in init; all mutable per-transfer state is in `transfers`.

    /// Limits and retry policy.
    public struct Options: Sendable, Hashable {
        /// Seconds one attempt may take, connection to last byte.
        public var timeout: Double = 30
        /// Attempts after the first one.
        public var retries: Int = 2
        /// The first retry waits this many seconds; each further one twice as long.
        public var backoff: Double = 0.5
        /// Redirects followed before the 3xx answer is returned as it is.
        public var maxRedirects: Int = 5
        /// Response bodies larger than this fail with ``HTTPFailure/tooLarge(_:)``.
        public var maxBytes: Int = ImageDecoder.defaultMaxByteCount
        /// `User-Agent` sent with every request.
        public var userAgent: String = "backstop"

        /// The defaults: 30 s, 2 retries from 0.5 s, 5 redirects, 10 MB.
        public init() {}
    }

    /// A request: method, URL, headers and body.
    public struct Request: Sendable, Hashable {
        /// `GET`, `POST`, …
        public var method: String
        /// The absolute URL.
        public var url: String
        /// Extra headers.
        public var headers: [String: String]
        /// The body, for POST.
        public var body: [UInt8]?

        /// A request to send with ``HTTPTransport/send(_:)``.
        /// - Parameters:
        ///   - method: The HTTP method.
        ///   - url: The absolute `http` or `https` URL.
        ///   - headers: Extra headers (`User-Agent` comes from the options).
        ///   - body: The body, for POST.
        public init(method: String = "GET", url: String, headers: [String: String] = [:], body: [UInt8]? = nil) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    /// A response: status, headers (names lower-cased), body and the URL it finally came from.
    public struct Response: Sendable, Hashable {
        /// The HTTP status.
        public var status: Int
        /// Headers with lower-cased names.
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]
        /// The URL after redirects.
        public var finalURL: String
        /// Attempts made (1 when the first one answered).
        public var attempts: Int
    }

    /// The options in force.
    public let options: Options
    /// The session; set once in `init` (it needs `self` as its delegate), `nil` only before that.
    private var session: URLSession?
    /// The transfers in flight, by task identifier: the delegate callbacks fill them, the blocked caller
    /// reads its own when `done` is signalled.
    private let transfers = Mutex<[Int: Transfer]>([:])

    /// One attempt's state, shared between the waiting caller and the delegate queue.
    private struct Transfer {
        /// The body received so far (emptied when the cap is passed).
        var body: [UInt8] = []
        /// The response head, once it arrived.
        var response: HTTPURLResponse?
        /// Redirects followed so far.
        var redirects = 0
        /// Whether the body passed the cap (the transfer was cancelled for it, not failed).
        var tooLarge = false
        /// The cap for this transfer, bytes.
        var limit: Int
        /// Signalled when the task completes.
        var done: DispatchSemaphore
        /// Why the task failed, when it did and not for the cap.
        var error: (any Error)?
    }

    /// A transport with its own ephemeral session: no cookies, no URL cache (the image cache does caching,
    /// by content), delegate callbacks on one serial queue.
    /// - Parameter options: Limits and retry policy.
    public init(options: Options = Options()) {
        self.options = options
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = options.timeout
        configuration.timeoutIntervalForResource = options.timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let queue = OperationQueue()
        queue.name = "backstop.http"
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Ends the session; outstanding transfers are cancelled.
    public func invalidate() { session?.invalidateAndCancel() }

    /// Sends `request`, retrying as the options say, and returns the final answer (any status) or why
    /// there was none.
    ///
    /// Timeouts, network errors, 429 and 5xx are retried up to ``Options/retries`` times, waiting
    /// ``Options/backoff`` seconds and doubling; a 4xx or an over-cap body is final. After the last retry a
    /// 429 or 5xx is returned as a response (the caller reports its status), a failure as the failure.
    /// Blocks the calling thread for the whole exchange, sleeps included.
    /// - Parameter request: The request; its URL must be absolute `http` or `https`.
    /// - Returns: The response with the attempts it took, or the last attempt's failure.
    public func send(_ request: Request) -> Result<Response, HTTPFailure> {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = sendOnce(request)
            let retryable: Bool
            switch outcome {
            case .success(let response):
                retryable = response.status == 429 || (500...599).contains(response.status)
                if !retryable || attempt > options.retries {
                    var response = response
                    response.attempts = attempt
                    return .success(response)
                }
            case .failure(let failure):
                retryable = failure.isRetryable
                if !retryable || attempt > options.retries { return .failure(failure) }
            }
            Thread.sleep(forTimeInterval: options.backoff * Double(1 << min(attempt - 1, 10)))
        }
    }

    /// One attempt: starts the task and blocks until the delegate signals its end, or until the timeout
    /// plus a second (a transfer that trickles forever is cancelled and reported as a timeout).
    /// - Parameter request: The request.
    /// - Returns: The response, or why there was none.
    private func sendOnce(_ request: Request) -> Result<Response, HTTPFailure> {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let session
        else { return .failure(.invalidURL(request.url)) }
        var urlRequest = URLRequest(
            url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: options.timeout)
        urlRequest.httpMethod = request.method
        urlRequest.setValue(options.userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if let body = request.body { urlRequest.httpBody = Data(body) }
        let task = session.dataTask(with: urlRequest)
        let done = DispatchSemaphore(value: 0)
        transfers.withLock { $0[task.taskIdentifier] = Transfer(limit: options.maxBytes, done: done) }
        task.resume()
        // The session's own timeout normally fires first; this bounds a transfer that trickles forever.
        if done.wait(timeout: .now() + options.timeout + 1) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + 5)
            transfers.withLock { _ = $0.removeValue(forKey: task.taskIdentifier) }
            return .failure(.timeout(options.timeout))
        }
        guard let transfer = transfers.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else {
            return .failure(.network("transfer state lost"))
        }
        if transfer.tooLarge { return .failure(.tooLarge(options.maxBytes)) }
        if let error = transfer.error {
            let nsError = error as NSError
            if nsError.domain == NSURLErrorDomain && nsError.code == NSURLErrorTimedOut {
                return .failure(.timeout(options.timeout))
            }
            return .failure(.network(nsError.localizedDescription))
        }
        guard let response = transfer.response else { return .failure(.network("no response")) }
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return .success(
            Response(
                status: response.statusCode, headers: headers, body: transfer.body,
                finalURL: response.url?.absoluteString ?? request.url, attempts: 1))
    }

    // MARK: URLSessionDataDelegate

    /// Records the response head; refuses a declared length over the cap.
    public func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let tooLarge = transfers.withLock { transfers -> Bool in
            transfers[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse
            let declared = response.expectedContentLength
            if let limit = transfers[dataTask.taskIdentifier]?.limit, declared > Int64(limit) {
                transfers[dataTask.taskIdentifier]?.tooLarge = true
                return true
            }
            return false
        }
        completionHandler(tooLarge ? .cancel : .allow)
    }

    /// Appends body bytes; cancels the transfer past the cap.
    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let exceeded = transfers.withLock { transfers -> Bool in
            guard var transfer = transfers[dataTask.taskIdentifier] else { return false }
            if transfer.body.count + data.count > transfer.limit {
                transfer.tooLarge = true
                transfer.body = []
                transfers[dataTask.taskIdentifier] = transfer
                return true
            }
            transfers[dataTask.taskIdentifier] = nil  // release the stored copy before appending (no CoW copy)
            transfer.body.append(contentsOf: data)
            transfers[dataTask.taskIdentifier] = transfer
            return false
        }
        if exceeded { dataTask.cancel() }
    }

    /// Follows redirects within the budget; past it, the 3xx answer is the result.
    public func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        let follow = transfers.withLock { transfers -> Bool in
            guard var transfer = transfers[task.taskIdentifier] else { return false }
            transfer.redirects += 1
            transfers[task.taskIdentifier] = transfer
            return transfer.redirects <= options.maxRedirects
        }
        completionHandler(follow ? request : nil)
    }

    /// Wakes the waiting caller.
    public func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let done = transfers.withLock { transfers -> DispatchSemaphore? in
            if let error, transfers[task.taskIdentifier]?.tooLarge != true {
                transfers[task.taskIdentifier]?.error = error
            }
            if transfers[task.taskIdentifier]?.response == nil, let response = task.response as? HTTPURLResponse {
                transfers[task.taskIdentifier]?.response = response
            }
            return transfers[task.taskIdentifier]?.done
        }
        done?.signal()
    }
}

/// Why an HTTP exchange produced no answer.
public enum HTTPFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not an absolute http(s) URL.
    case invalidURL(String)
    /// No complete answer within the timeout (seconds).
    case timeout(Double)
    /// Connection refused, reset, DNS failure, TLS failure, …
    case network(String)
    /// The body exceeded the cap (bytes).
    case tooLarge(Int)

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        switch self {
        case .timeout, .network: true
        case .invalidURL, .tooLarge: false
        }
    }

    /// One line for reports.
    public var description: String {
        switch self {
        case .invalidURL(let url): "not an http(s) URL: \(url)"
        case .timeout(let seconds): "timed out after \(Int(seconds)) s"
        case .network(let message): "network error: \(message)"
        case .tooLarge(let limit): "response larger than \(limit) bytes"
        }
    }
}
