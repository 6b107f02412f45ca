import GreenHub
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// getaddrinfo made by a greenlet runs on the blocking pool and answers as glibc does.
final class NameLookupHookTests: XCTestCase {
    func testGetaddrinfoAnswersFromThePool() throws {
        let lines = try runPatched {
            let lookups = ["localhost", "127.0.0.1", "no such host.invalid"].map { name in
                Green.spawn { () -> String in
                    var hints = addrinfo()
                    hints.ai_family = AF_INET
                    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                    var list: UnsafeMutablePointer<addrinfo>?
                    let status = getaddrinfo(name, "80", &hints, &list)
                    defer { if let list { freeaddrinfo(list) } }
                    guard status == 0, let first = list else { return "\(name): failed" }
                    let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                    return "\(name): \(UInt32(bigEndian: address.sin_addr.s_addr) == 0x7f00_0001) port \(UInt16(bigEndian: address.sin_port))"
                }
            }
            return try lookups.map { try $0.get() }
        }
        XCTAssertEqual(lines, ["localhost: true port 80", "127.0.0.1: true port 80", "no such host.invalid: failed"])
    }
}
