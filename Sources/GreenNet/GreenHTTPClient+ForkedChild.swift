import AsyncHTTPClient
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One request of a call that may follow redirects: what to send, and where.
struct RequestHop {
    var method: String
    var url: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?
}

// MARK: A child forked after its parent's Dispatch had threads
//
// AsyncHTTPClient looks names up with NIO's resolver and reports its shutdown, both on
// Dispatch. In a child forked after its parent's Dispatch had started threads, Dispatch's
// pool counts threads the child does not have, and queued work may never run (libdispatch
// itself treats such a child as one that cannot use it). There the client looks each named
// host up on Weave's own pool and sends to it through an engine of its own, pinned to that
// address with `dnsOverride` (TLS still checks the name), and follows redirects itself, so
// that a redirect to another host is looked up the same way.

extension GreenHTTPClient {
    /// The engine that sends `request`: the client's own, or, in such a child, the one
    /// pinned to the request's named host (made on first use).
    /// - Throws: `GreenNetError.nameResolutionFailed` when the host has no address.
    func engine(for request: HTTPClient.Request) throws -> HTTPClient {
        guard pinnedEngines != nil else { return client }
        let host = request.host
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if host.isEmpty || GreenAddress.isIPAddress(bare) {
            return client
        }
        if let engine = pinnedEngines?[host] {
            return engine
        }
        var settings = engineSettings
        settings.dnsOverride = [host: try GreenDNS.address(of: host)]
        let engine = HTTPClient(eventLoopGroup: hub.eventLoop, configuration: settings)
        pinnedEngines?[host] = engine
        return engine
    }

    /// The request that a redirect asks for, where the client follows redirects itself
    /// (in such a child); `nil` when the response ends the call.
    ///
    /// - Parameter visited: The URLs requested so far in the call.
    /// - Throws: `GreenNetError.httpProtocol` past ``Configuration-swift.struct/maxRedirects``
    ///   redirects, or for a redirect back to a URL already requested, as AsyncHTTPClient does.
    func nextHop(
        after hop: RequestHop, status: HTTPResponseStatus, headers: HTTPHeaders, visited: inout [String]
    ) throws -> RequestHop? {
        guard pinnedEngines != nil, configuration.followRedirects,
            [301, 302, 303, 307, 308].contains(status.code),
            let location = headers.first(name: "Location"),
            let base = URL(string: hop.url),
            let target = URL(string: location, relativeTo: base)?.absoluteURL,
            let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return nil }
        visited.append(hop.url)
        guard visited.count <= configuration.maxRedirects else {
            throw GreenNetError(
                .httpProtocol,
                "\(visited[0]) redirected more than \(configuration.maxRedirects) times; raise maxRedirects or request the final URL")
        }
        guard !visited.contains(target.absoluteString) else {
            throw GreenNetError(.httpProtocol, "\(visited[0]) redirects in a cycle, back to \(target.absoluteString)")
        }
        var next = hop
        next.url = target.absoluteString
        // As browsers and `requests` do: a 303 turns into a GET, and so does a POST that
        // meets a 301 or 302.
        if (status == .seeOther && hop.method != "HEAD")
            || ((status == .movedPermanently || status == .found) && hop.method == "POST")
        {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { ["content-length", "content-type", "transfer-encoding"].contains($0.name.lowercased()) }
        }
        if target.host?.lowercased() != base.host?.lowercased() {
            // Credentials meant for one host are not handed to another.
            next.headers.removeAll { ["authorization", "cookie"].contains($0.name.lowercased()) }
        }
        return next
    }
}
