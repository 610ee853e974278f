public import Foundation
import Glibc
import Synchronization

/// A tiny HTTP/1.1 static file server on 127.0.0.1 with an ephemeral port, for tests that download images
/// or dumps over real sockets. GET and HEAD only; one request per connection (`Connection: close`); a
/// thread accepts and one thread per connection answers. Faults (a status, a delay, a dropped connection)
/// can be injected per path.
///
/// ```swift
/// let server = try StaticFileServer.start(root: fixtures)
/// defer { server.stop() }
/// let url = server.baseURL.appendingPathComponent("upload/a.jpg")
/// ```
public final class StaticFileServer: Sendable {
    /// A misbehaviour injected for one path.
    public enum Fault: Sendable, Hashable {
        /// Answer with this status (e.g. 500, 503) and a short text body instead of the file.
        case status(Int)
        /// Wait this long, then answer normally.
        case delay(Duration)
        /// Close the connection without answering.
        case dropConnection
    }

    /// `http://127.0.0.1:<port>/`.
    public let baseURL: URL
    /// The folder served.
    public let root: URL
    /// The port the kernel chose.
    public let port: UInt16

    private struct State: Sendable {
        var stopped = false
        var faults: [String: Fault] = [:]
        var requests: [String] = []
    }

    private let listener: Int32
    private let state = Mutex(State())
    private let acceptLoopFinished = DispatchSemaphore(value: 0)

    /// Starts serving `root` on 127.0.0.1 at a port chosen by the kernel.
    ///
    /// - Throws: ``StaticFileServerError`` when the socket cannot be created, bound or listened on.
    public static func start(root: URL) throws -> StaticFileServer {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw StaticFileServerError("socket", errno: errno) }
        var reuse: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 64) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            let error = StaticFileServerError("bind/listen on 127.0.0.1", errno: errno)
            close(descriptor)
            throw error
        }
        let port = UInt16(bigEndian: address.sin_port)
        let server = StaticFileServer(listener: descriptor, port: port, root: root.standardizedFileURL)
        let thread = Thread { server.acceptLoop() }
        thread.name = "StaticFileServer:\(port)"
        thread.start()
        return server
    }

    private init(listener: Int32, port: UInt16, root: URL) {
        self.listener = listener
        self.port = port
        self.root = root
        guard let url = URL(string: "http://127.0.0.1:\(port)/") else {
            preconditionFailure("the literal is a valid URL for every UInt16 port")
        }
        baseURL = url
    }

    deinit { stop() }

    /// Stops accepting, waits for the accept thread to finish and closes the listening socket. Connections
    /// already being answered finish on their own threads. Calling it again does nothing.
    public func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !wasStopped else { return }
        acceptLoopFinished.wait()
        close(listener)
    }

    /// Injects `fault` for requests to `path` (e.g. `/upload/a.jpg`), or clears it when `fault` is nil.
    public func inject(_ fault: Fault?, forPath path: String) {
        let key = path.hasPrefix("/") ? path : "/" + path
        state.withLock { $0.faults[key] = fault }
    }

    /// The request lines received so far (`GET /upload/a.jpg`), oldest first.
    public var requests: [String] { state.withLock { $0.requests } }

    // MARK: Serving

    private func acceptLoop() {
        defer { acceptLoopFinished.signal() }
        while !state.withLock({ $0.stopped }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            let thread = Thread { [self] in
                answer(connection)
                close(connection)
            }
            thread.start()
        }
    }

    private func answer(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = readHead(connection) else { return }
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            respond(connection, status: 400, body: Array("bad request line\n".utf8))
            return
        }
        let method = String(parts[0])
        let target = String(parts[1])
        state.withLock { $0.requests.append("\(method) \(target)") }
        guard method == "GET" || method == "HEAD" else {
            respond(connection, status: 405, extraHeaders: ["Allow: GET, HEAD"], body: Array("GET or HEAD only\n".utf8))
            return
        }
        let rawPath = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        guard let path = rawPath.removingPercentEncoding, path.hasPrefix("/"),
            !path.split(separator: "/").contains("..")
        else {
            respond(connection, status: 400, body: Array("bad path\n".utf8))
            return
        }
        switch state.withLock({ $0.faults[path] }) {
        case .status(let code):
            respond(connection, status: code, body: Array("injected \(code)\n".utf8), headOnly: method == "HEAD")
            return
        case .delay(let duration):
            Thread.sleep(forTimeInterval: Double(duration / .milliseconds(1)) / 1000)
        case .dropConnection:
            return
        case nil:
            break
        }
        let file = root.appendingPathComponent(String(path.dropFirst()))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = try? Data(contentsOf: file)
        else {
            respond(connection, status: 404, body: Array("not found: \(path)\n".utf8), headOnly: method == "HEAD")
            return
        }
        respond(
            connection, status: 200, contentType: Self.contentType(forExtension: file.pathExtension),
            body: [UInt8](data), headOnly: method == "HEAD")
    }

    /// Reads up to the blank line that ends the request head (at most 64 KiB).
    private func readHead(_ connection: Int32) -> String? {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while received.count < 65_536 {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            received.append(contentsOf: chunk[0..<count])
            let searchFrom = max(0, received.count - count - 3)
            if received.count >= 4,
                (searchFrom...(received.count - 4)).contains(where: { Array(received[$0..<($0 + 4)]) == terminator })
            {
                return String(decoding: received, as: UTF8.self)
            }
        }
        return nil
    }

    private func respond(
        _ connection: Int32, status: Int, contentType: String = "text/plain; charset=utf-8",
        extraHeaders: [String] = [], body: [UInt8], headOnly: Bool = false
    ) {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for header in extraHeaders { head += header + "\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !headOnly { bytes += body }
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

    /// The `Content-Type` served for a file extension.
    public static func contentType(forExtension pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "html", "htm": "text/html; charset=utf-8"
        case "json": "application/json"
        case "txt", "log": "text/plain; charset=utf-8"
        case "csv": "text/csv; charset=utf-8"
        case "sql": "application/sql"
        case "gz": "application/gzip"
        case "zst": "application/zstd"
        default: "application/octet-stream"
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// A socket call of ``StaticFileServer`` failed.
public struct StaticFileServerError: Error, CustomStringConvertible, Sendable {
    /// `bind/listen on 127.0.0.1: Address already in use (errno 98)`.
    public var description: String

    init(_ operation: String, errno code: Int32) {
        description = "\(operation): \(String(cString: strerror(code))) (errno \(code))"
    }
}
