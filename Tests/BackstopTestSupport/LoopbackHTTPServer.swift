import Foundation
import Glibc
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 whose answers come from a closure, for clients that need more than
/// static files: POST bodies (embedding providers), conditional requests (ETag), redirects, slow or
/// failing answers. One request per connection (`Connection: close`), a thread per connection.
public final class LoopbackHTTPServer: Sendable {
    /// A parsed request.
    public struct Request: Sendable {
        /// `GET`, `POST`, …
        public var method: String
        /// The path with its query.
        public var target: String
        /// Headers, names lower-cased.
        public var headers: [String: String]
        /// The body (by `Content-Length`).
        public var body: [UInt8]
    }

    /// An answer.
    public struct Response: Sendable {
        /// The status.
        public var status: Int
        /// Extra headers.
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]
        /// Seconds to wait before answering.
        public var delay: Double

        /// Creates an answer.
        public init(status: Int = 200, headers: [String: String] = [:], body: [UInt8] = [], delay: Double = 0) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }
    }

    /// `http://127.0.0.1:<port>`.
    public let baseURL: String
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let stopped = Mutex(false)
    private let log = Mutex<[String]>([])
    private let finished = DispatchSemaphore(value: 0)

    /// Starts serving with `handler`.
    public static func start(_ handler: @escaping @Sendable (Request) -> Response) throws -> LoopbackHTTPServer {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw StaticFileServerError("socket", errno: errno) }
        var reuse: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 64) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw StaticFileServerError("bind/listen on 127.0.0.1", errno: errno)
        }
        let server = LoopbackHTTPServer(
            listener: descriptor, port: UInt16(bigEndian: address.sin_port), handler: handler)
        Thread { server.acceptLoop() }.start()
        return server
    }

    private init(listener: Int32, port: UInt16, handler: @escaping @Sendable (Request) -> Response) {
        self.listener = listener
        self.handler = handler
        baseURL = "http://127.0.0.1:\(port)"
    }

    deinit { stop() }

    /// `METHOD target` of every request so far.
    public var requests: [String] { log.withLock { $0 } }

    /// Stops accepting and closes the socket.
    public func stop() {
        let was = stopped.withLock { value in
            defer { value = true }
            return value
        }
        guard !was else { return }
        finished.wait()
        close(listener)
    }

    private func acceptLoop() {
        defer { finished.signal() }
        while !stopped.withLock({ $0 }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            Thread { [self] in
                serve(connection)
                close(connection)
            }.start()
        }
    }

    private func serve(_ connection: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        while headEnd == nil {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            received.append(contentsOf: chunk[0..<count])
            if received.count >= 4 {
                for index in 0...(received.count - 4)
                where received[index..<(index + 4)].elementsEqual([13, 10, 13, 10]) {
                    headEnd = index
                    break
                }
            }
        }
        guard let headEnd else { return }
        let head = String(decoding: received[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head.first?.split(separator: " ") ?? []
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(received[(headEnd + 4)...])
        while body.count < length {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            body.append(contentsOf: chunk[0..<count])
        }
        let request = Request(
            method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
        log.withLock { $0.append("\(request.method) \(request.target)") }
        let response = handler(request)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        var text =
            "HTTP/1.1 \(response.status) Status\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if request.method != "HEAD" { bytes += response.body }
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                // The loop runs only while bytes remain, so the buffer has a base address.
                guard let base = buffer.baseAddress else { return -1 }
                return send(connection, base + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return }
            sent += count
        }
    }
}
