import GreenHub
import GreenNet
import XCTest

/// UDP multicast on the loopback interface: the group is joined on 127.0.0.1 and the
/// sender's multicast interface is 127.0.0.1, so no datagram leaves the host and the
/// machine's configuration is not touched (this works although `lo` shows no MULTICAST
/// flag). Turning `IP_MULTICAST_LOOP` off cannot be observed here: a datagram sent out of
/// `lo` is received through `lo` itself, whatever the option says.
final class MulticastTests: XCTestCase {
    private let group = "239.255.77.1"

    /// A socket that sends to the group over loopback, with its own datagrams looped back.
    private func makeSender() throws -> GreenUDPSocket {
        let sender = try GreenUDPSocket.bind()
        try sender.setMulticastInterface("127.0.0.1")
        try sender.setMulticastTimeToLive(0)
        try sender.setMulticastLoopback(true)
        return sender
    }

    /// A socket bound to every address (as a multicast receiver must be) that joined the group
    /// on loopback.
    private func makeMember(port: Int = 0) throws -> GreenUDPSocket {
        let member = try GreenUDPSocket.bind(host: "0.0.0.0", port: port, reuseAddress: true)
        try member.joinGroup(group, interfaceAddress: "127.0.0.1")
        return member
    }

    func testEveryMemberOnThePortReceivesAGroupDatagram() throws {
        let first = try makeMember()
        let second = try makeMember(port: first.port)
        let sender = try makeSender()
        defer { first.close(); second.close(); sender.close() }
        try sender.send(Array("to all".utf8), to: group, port: first.port)
        for member in [first, second] {
            let (bytes, from) = try member.receive(timeout: 5)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "to all")
            XCTAssertEqual(from.ipAddress, "127.0.0.1")
            XCTAssertEqual(from.port, sender.port)
        }
    }

    func testALeftGroupNoLongerDelivers() throws {
        let member = try makeMember()
        let sender = try makeSender()
        defer { member.close(); sender.close() }
        try sender.send(Array("joined".utf8), to: group, port: member.port)
        XCTAssertEqual(try member.receive(timeout: 5).bytes, Array("joined".utf8))
        try member.leaveGroup(group, interfaceAddress: "127.0.0.1")
        try sender.send(Array("after leaving".utf8), to: group, port: member.port)
        // A unicast marker sent after it: the member's next datagram must be the marker.
        try sender.send(Array("marker".utf8), to: "127.0.0.1", port: member.port)
        XCTAssertEqual(try member.receive(timeout: 5).bytes, Array("marker".utf8))
    }

    func testBadGroupsInterfacesAndOptionsAreErrors() throws {
        let socket = try GreenUDPSocket.bind(host: "0.0.0.0")
        func code(_ call: () throws -> Void) -> GreenNetError.Code? {
            do {
                try call()
                return nil
            } catch {
                return (error as? GreenNetError)?.code
            }
        }
        XCTAssertEqual(code { try socket.joinGroup("127.0.0.1") }, .invalidArgument)
        XCTAssertEqual(code { try socket.joinGroup("not an address") }, .invalidArgument)
        XCTAssertEqual(code { try socket.joinGroup(group, interfaceAddress: "::1") }, .invalidArgument)
        XCTAssertEqual(code { try socket.joinGroup("ff12::1", interfaceAddress: "127.0.0.1") }, .invalidArgument)
        XCTAssertEqual(code { try socket.joinGroup(group, interfaceAddress: "192.0.2.254") }, .multicastFailed)
        XCTAssertEqual(code { try socket.leaveGroup(group, interfaceAddress: "127.0.0.1") }, .multicastFailed)
        XCTAssertEqual(code { try socket.joinGroup("ff12::1") }, .multicastFailed)
        XCTAssertEqual(code { try socket.setMulticastTimeToLive(256) }, .invalidArgument)
        XCTAssertEqual(code { try socket.setMulticastInterface("192.0.2.254") }, .multicastFailed)
        socket.close()
        XCTAssertEqual(code { try socket.joinGroup(group, interfaceAddress: "127.0.0.1") }, .connectionClosed)
        XCTAssertEqual(code { try socket.setMulticastLoopback(true) }, .connectionClosed)
    }
}
