import Logging
import Metrics

/// Where connection events go: the `weave.managers` swift-log logger (accepted and closed
/// connections at debug, refused handshakes at warning) and swift-metrics counters.
enum ConnectionEvents {
    static let logger = Logger(label: "weave.managers")
    static let accepted = Counter(label: "weave_connections_accepted_total")
    static let refused = Counter(label: "weave_connections_refused_total")

    /// Logs and counts an authenticated connection.
    static func recordAccepted(on address: ConnectionAddress) {
        accepted.increment()
        logger.debug("accepted an authenticated connection", metadata: ["address": "\(address)"])
    }

    /// Logs and counts a connection refused during its handshake.
    static func recordRefused(on address: ConnectionAddress, _ error: any Error) {
        refused.increment()
        logger.warning("refused a connection", metadata: ["address": "\(address)", "reason": "\(error)"])
    }
}
