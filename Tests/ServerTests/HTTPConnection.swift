import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP response as it came off the wire.
struct HTTPReply: CustomStringConvertible {
    let status: Int
    /// Header names lower-cased.
    let headers: [String: String]
    let body: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var object: [String: Any]? { json as? [String: Any] }
    var description: String { "HTTP \(status) \(headers) \(body)" }
}

/// Why a connection failed.
struct HTTPConnectionError: Error, CustomStringConvertible {
    let description: String
}

/// A plain HTTP/1.1 client on one TCP connection to 127.0.0.1, written over POSIX sockets so
/// that a test controls every byte and its timing (a body sent slowly, a request cut short)
/// and sees the server's reply as sent.
final class HTTPConnection {
    private let socket: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; reads wait at most `timeout` seconds.
    init(port: Int, timeout: Int = 30) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw HTTPConnectionError(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw HTTPConnectionError(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var noSignal: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &noSignal, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(socket) }

    /// Sends bytes as they are; false if the server closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// A request's head: request line, Host, Content-Length (when there is a body), `headers`.
    static func head(_ method: String, _ path: String, headers: [String: String], bodyLength: Int?) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let bodyLength { text += "Content-Length: \(bodyLength)\r\n" }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        return text + "\r\n"
    }

    /// Sends a whole request and reads its reply.
    func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil
    ) throws -> HTTPReply {
        send(Self.head(method, path, headers: headers, bodyLength: body?.count))
        if let body { send(body) }
        return try readReply()
    }

    /// Reads one reply (its body by Content-Length, chunked, or to the end of the stream).
    func readReply() throws -> HTTPReply {
        let headEnd = try readUntil(Array("\r\n\r\n".utf8))
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw HTTPConnectionError(description: "not an HTTP reply: \(head)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < length { guard try fill() else { break } }
            body = Array(buffer.prefix(length))
            buffer.removeFirst(min(length, buffer.count))
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let lineEnd = try readUntil(Array("\r\n".utf8))
                let size = Int(String(decoding: buffer[..<lineEnd], as: UTF8.self), radix: 16) ?? 0
                buffer.removeFirst(lineEnd + 2)
                while buffer.count < size + 2 { guard try fill() else { break } }
                body += buffer.prefix(size)
                buffer.removeFirst(min(size + 2, buffer.count))
                if size == 0 { break }
            }
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        return HTTPReply(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    /// Whether the server closed the connection (reads until end of stream, a reset or the
    /// timeout; true for the first two).
    func isClosedByServer() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                for index in searchFrom...(buffer.count - marker.count)
                where buffer[index] == marker[0] && Array(buffer[index..<(index + marker.count)]) == marker {
                    return index
                }
                searchFrom = max(0, buffer.count - marker.count + 1)
            }
            guard try fill() else {
                throw HTTPConnectionError(description: "the connection ended before a reply: \(buffer.count) bytes")
            }
        }
    }

    /// Reads more into the buffer; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == ECONNRESET { return false }
            throw HTTPConnectionError(description: "recv failed: errno \(errno) (a timeout is EAGAIN, 11)")
        }
        if count == 0 { return false }
        buffer += chunk[..<count]
        return true
    }
}
