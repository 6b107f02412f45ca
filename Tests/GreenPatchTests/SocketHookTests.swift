import GreenHub
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Blocking sockets used by greenlets of one thread: connect, accept, read and write wait
/// on the hub, with the owner's view of the descriptor kept.
final class SocketHookTests: XCTestCase {
    func testABlockingEchoBetweenGreenletsOfOneThread() throws {
        let lines = try runPatched {
            let listener = try makeListener(backlog: 16)
            defer { close(listener.fd) }
            let size = 4 << 20
            let ticker = Ticker()
            let server = Green.spawn { () -> Int in
                let connection = accept(listener.fd, nil, nil)
                precondition(connection >= 0, "accept failed: \(errno)")
                defer { close(connection) }
                var buffer = [UInt8](repeating: 0, count: 65536)
                var echoed = 0
                while true {
                    let count = read(connection, &buffer, buffer.count)
                    if count <= 0 { break }
                    // A blocking write returns when every byte is out.
                    precondition(write(connection, buffer, count) == count, "short write")
                    echoed += count
                }
                return echoed
            }
            let client = Green.spawn { () -> Bool in
                let fd = try connectTo(port: listener.port)
                defer { close(fd) }
                let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let sender = Green.spawn { () -> Int in
                    let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, size, 0) }
                    shutdown(fd, Int32(SHUT_WR))
                    return sent
                }
                var received = [UInt8](repeating: 0, count: size)
                // MSG_WAITALL: one blocking call fills the whole buffer.
                let count = received.withUnsafeMutableBytes { recv(fd, $0.baseAddress, size, Int32(MSG_WAITALL)) }
                return try sender.get() == size && count == size && received == message
            }
            let echoedAll = try client.get()
            let echoed = try server.get()
            let ticks = try ticker.stop()
            return ["echoed \(echoed == size)", "matched \(echoedAll)", "others ran: \(ticks > 0)"]
        }
        XCTAssertEqual(lines, ["echoed true", "matched true", "others ran: true"])
    }

    func testReceiveTimeoutEndsTheWaitWithEAGAIN() throws {
        let lines = try runPatched {
            let (left, right) = makeSocketPair()
            defer {
                close(left)
                close(right)
            }
            var limit = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(left, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            let ticker = Ticker()
            let waiter = Green.spawn { () -> [String] in
                var byte: UInt8 = 0
                var result = 0
                var error: Int32 = 0
                let waited = elapsedSeconds {
                    result = recv(left, &byte, 1, 0)
                    error = errno
                }
                return [outcome(result, error), "waited the timeout: \(waited >= 0.19 && waited < 5)"]
            }
            var answers = try waiter.get()
            answers.append("others ran: \(try ticker.stop() >= 5)")
            return answers
        }
        XCTAssertEqual(lines, ["-1 EAGAIN", "waited the timeout: true", "others ran: true"])
    }

    func testAConnectThatWaitsShowsTheOwnersModeAndHonoursTheSendTimeout() throws {
        let lines = try runPatched {
            // Backlog 0 holds one connection; with it taken and not accepted, the kernel
            // drops the next SYN and that connect waits.
            let listener = try makeListener(backlog: 0)
            defer { close(listener.fd) }
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            held.append(try connectTo(port: listener.port))
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var limit = timeval(tv_sec: 0, tv_usec: 500_000)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var seenDuring = "not seen"
            let observer = Green.spawn {
                try Green.sleep(0.1)
                seenDuring = fcntl(fd, F_GETFL) & O_NONBLOCK == 0 ? "blocking" : "non-blocking"
            }
            var address = loopback(port: listener.port)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            let error = errno
            try observer.get()
            let after = fcntl(fd, F_GETFL) & O_NONBLOCK == 0 ? "blocking" : "non-blocking"
            return [outcome(Int(result), error), "during: \(seenDuring)", "after: \(after)"]
        }
        XCTAssertEqual(lines, ["-1 EINPROGRESS", "during: blocking", "after: blocking"])
    }

    func testConnectErrorsAreTheKernels() throws {
        let lines = try runPatched {
            let listener = try makeListener(backlog: 1)
            let port = listener.port
            close(listener.fd)
            let refused = Green.spawn { () -> String in
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = loopback(port: port)
                let result = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                let error = errno
                return outcome(Int(result), error)
            }
            return [try refused.get()]
        }
        XCTAssertEqual(lines, ["-1 ECONNREFUSED"])
    }
}

/// A listening IPv4 socket on loopback, blocking, with the port the kernel chose.
func makeListener(backlog: Int32) throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard fd >= 0, bound == 0, listen(fd, backlog) == 0 else {
        throw POSIXErrorCode(rawValue: errno).map { POSIXError($0) } ?? POSIXError(.EIO)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    return (fd, UInt16(bigEndian: address.sin_port))
}

/// 127.0.0.1:`port`.
func loopback(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

/// A blocking IPv4 socket connected to 127.0.0.1:`port` (with SO_SNDTIMEO when given; a
/// connect that times out is returned all the same, still connecting).
func connectTo(port: UInt16, sendTimeout: Double? = nil) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if let sendTimeout {
        var limit = timeval(tv_sec: Int(sendTimeout), tv_usec: Int((sendTimeout - Double(Int(sendTimeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }
    var address = loopback(port: port)
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 || (sendTimeout != nil && errno == EINPROGRESS) else {
        let error = errno
        close(fd)
        throw POSIXErrorCode(rawValue: error).map { POSIXError($0) } ?? POSIXError(.EIO)
    }
    return fd
}
