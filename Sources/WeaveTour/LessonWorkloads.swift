#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Weave

/// The lesson's two workloads, each in the form every model runs.
enum LessonWorkloads {
    /// The number of primes in `task`'s share of `0..<limit`, by trial division: pure CPU
    /// work, with no memory traffic to speak of.
    static func countPrimes(task: Int, of tasks: Int, below limit: Int) -> Int {
        let width = (limit + tasks - 1) / tasks
        var count = 0
        for n in max(task * width, 2)..<min((task + 1) * width, limit) {
            var divisor = 2
            var isPrime = true
            while divisor * divisor <= n {
                if n % divisor == 0 {
                    isPrime = false
                    break
                }
                divisor += 1
            }
            if isPrime { count += 1 }
        }
        return count
    }

    /// The request every I/O task makes.
    static let request = Array("GET /io HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)

    /// One GET to the embedded server with a plain blocking socket, as `requests.get`
    /// makes it unpatched: the calling thread waits in `connect` and `read`.
    ///
    /// - Returns: The number of bytes of the response.
    static func blockingGet(port: Int) throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TourError.socket("socket", errno) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TourError.socket("connect", errno) }
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            guard written > 0 else { throw TourError.socket("write", errno) }
            sent += written
        }
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw TourError.socket("read", errno) }
            if count == 0 { return received }
            received += count
        }
    }

    /// The same GET on a green socket: the green thread waits, its hub runs the others.
    static func greenGet(port: Int) throws -> Int {
        let stream = try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 30)
        defer { stream.close() }
        try stream.send(request)
        var received = 0
        while true {
            let bytes = try stream.receive(upTo: 4096)
            if bytes.isEmpty { return received }
            received += bytes.count
        }
    }

    /// Starts the I/O-bound workload's server on a hub thread of its own: every request
    /// is answered after `delay` seconds.
    static func startServer(delay: Double) throws -> GreenMultiHubServer {
        try GreenMultiHubServer.start(threads: 1) { port in
            try GreenHTTPServer(port: port, reusePort: true) { _ in
                try Green.sleep(delay)
                return GreenHTTPResponse(text: "answered after \(delay) s\n")
            }
        }
    }
}
