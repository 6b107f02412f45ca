import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: Multicast

extension GreenUDPSocket {
    /// Joins the multicast group `group`, so that datagrams sent to it reach this socket —
    /// `setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, struct.pack("4s4s", group, interface))`,
    /// `IPV6_JOIN_GROUP` for an IPv6 group.
    ///
    /// The socket receives the group's datagrams for its own port only, and only if it is
    /// bound to the wildcard address (`"0.0.0.0"`, `"::"`) or to the group's.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - group: A multicast address, such as `"239.255.0.1"` or `"ff12::1"`.
    ///   - interfaceAddress: The IPv4 address of the interface to join on, such as
    ///     `"127.0.0.1"` for loopback (`imr_interface`); `nil` lets the system pick one by
    ///     its routes. As with Python, the kernel decides whether the interface can
    ///     take part, whatever flags it shows. IPv6 groups take `nil` only.
    /// - Throws: `GreenNetError.invalidArgument` if `group` is not a multicast address or
    ///   `interfaceAddress` is not an IPv4 address (or is given for an IPv6 group);
    ///   `.multicastFailed` if the system refuses (see the code); `.connectionClosed`
    ///   once the socket is closed.
    public func joinGroup(_ group: String, interfaceAddress: String? = nil) throws {
        try changeMembership(.join, group, interfaceAddress: interfaceAddress)
    }

    /// Leaves a multicast group joined with ``joinGroup(_:interfaceAddress:)`` —
    /// `setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, ...)`, `IPV6_LEAVE_GROUP`. Closing the
    /// socket leaves every group it joined.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - group: The group's address, as joined.
    ///   - interfaceAddress: The interface address it was joined on, as joined.
    /// - Throws: As ``joinGroup(_:interfaceAddress:)``; `.multicastFailed` also when the
    ///   group was not joined.
    public func leaveGroup(_ group: String, interfaceAddress: String? = nil) throws {
        try changeMembership(.leave, group, interfaceAddress: interfaceAddress)
    }

    /// Sends this socket's multicast datagrams out of the interface with the IPv4 address
    /// `address` — `setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton(address))`. Without
    /// it the system picks the interface by its routes.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenNetError.invalidArgument` if `address` is not an IPv4 address or
    ///   the socket is not an IPv4 one; `.multicastFailed` if the system refuses (not an
    ///   address of this host); `.connectionClosed` once closed.
    public func setMulticastInterface(_ address: String) throws {
        let interface = try ipv4Address(address, role: "multicast interface")
        try setOption("IP_MULTICAST_IF") { provider, isIPv6 in
            guard !isIPv6 else {
                throw GreenNetError(.invalidArgument, "the multicast interface is set by IPv4 address on an IPv4 socket; this socket is IPv6")
            }
            return provider.setIPMulticastIF(interface.sin_addr)
        }
    }

    /// How many router hops this socket's multicast datagrams may cross —
    /// `setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, hops)`, `IPV6_MULTICAST_HOPS`; the system's
    /// default is 1, the local network.
    ///
    /// Call on the hub's thread.
    /// - Parameter hops: 0 (this host only) to 255.
    /// - Throws: `GreenNetError.invalidArgument` out of that range; `.multicastFailed`;
    ///   `.connectionClosed` once closed.
    public func setMulticastTimeToLive(_ hops: Int) throws {
        guard (0...255).contains(hops) else {
            throw GreenNetError(.invalidArgument, "a multicast time to live must be 0 to 255 hops, not \(hops)")
        }
        try setOption("IP_MULTICAST_TTL") { provider, isIPv6 in
            isIPv6 ? provider.setIPv6MulticastHops(CInt(hops)) : provider.setIPMulticastTTL(CUnsignedChar(hops))
        }
    }

    /// Whether this host's own sockets in a group receive the multicast datagrams this
    /// socket sends — `setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, enabled)`,
    /// `IPV6_MULTICAST_LOOP`; on by default.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenNetError.multicastFailed`; `.connectionClosed` once closed.
    public func setMulticastLoopback(_ enabled: Bool) throws {
        try setOption("IP_MULTICAST_LOOP") { provider, isIPv6 in
            isIPv6 ? provider.setIPv6MulticastLoop(enabled ? 1 : 0) : provider.setIPMulticastLoop(enabled ? 1 : 0)
        }
    }

    // MARK: Helpers

    private enum Membership {
        case join, leave
    }

    private func changeMembership(_ change: Membership, _ group: String, interfaceAddress: String?) throws {
        try checkOpen()
        guard let groupAddress = try? SocketAddress(ipAddress: group, port: 0), groupAddress.isMulticast else {
            throw GreenNetError(.invalidArgument, "\(group.debugDescription) is not a multicast group address (224.0.0.0/4 or ff00::/8)")
        }
        let done: EventLoopFuture<Void>
        if let interfaceAddress {
            guard case .v4(let groupV4) = groupAddress else {
                throw GreenNetError(.invalidArgument, "an interface address is taken for IPv4 groups only; pass nil for \(group)")
            }
            let interface = try ipv4Address(interfaceAddress, role: "interface")
            // NIO's joinGroup(device:) refuses interfaces without the MULTICAST flag (loopback
            // in many containers), which the kernel accepts; so the membership request goes
            // to the socket as Python's does.
            let request = ip_mreq(imr_multiaddr: groupV4.address.sin_addr, imr_interface: interface.sin_addr)
            done = try optionProvider().unsafeSetSocketOption(
                level: .ip, name: change == .join ? .ip_add_membership : .ip_drop_membership, value: request)
        } else {
            guard let multicast = channel as? any MulticastChannel else {
                throw GreenNetError(.multicastFailed, "this socket's channel does not support multicast")
            }
            done = change == .join ? multicast.joinGroup(groupAddress) : multicast.leaveGroup(groupAddress)
        }
        do {
            try done.greenWait(until: GreenDeadline(nil))
        } catch where GreenNetError.isTransport(error) {
            let verb = change == .join ? "join" : "leave"
            throw GreenNetError(.multicastFailed, "could not \(verb) the multicast group \(group) on \(interfaceAddress ?? "the default interface")", underlying: error)
        }
    }

    private func setOption(_ name: String, _ set: (any SocketOptionProvider, _ isIPv6: Bool) throws -> EventLoopFuture<Void>) throws {
        try checkOpen()
        let isIPv6 = channel.localAddress?.protocol == .inet6
        do {
            try set(try optionProvider(), isIPv6).greenWait(until: GreenDeadline(nil))
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.multicastFailed, "could not set \(name) on UDP port \(port)", underlying: error)
        }
    }

    private func optionProvider() throws -> any SocketOptionProvider {
        guard let provider = channel as? any SocketOptionProvider else {
            throw GreenNetError(.multicastFailed, "this socket's channel does not take socket options")
        }
        return provider
    }

    private func ipv4Address(_ address: String, role: String) throws -> sockaddr_in {
        guard case .v4(let parsed)? = try? SocketAddress(ipAddress: address, port: 0) else {
            throw GreenNetError(.invalidArgument, "the \(role) must be an IPv4 address such as \"127.0.0.1\", not \(address.debugDescription)")
        }
        return parsed.address
    }
}
