import Metrics

/// What a server counts through swift-metrics, under the dimensions `server` (`stream` or
/// `http`) and `port`: `weave_server_connections_total`, `weave_server_connections_open`
/// and, for HTTP, `weave_http_requests_total`. With no metrics backend bootstrapped, each
/// update is a call into swift-metrics' no-op handler.
struct GreenServerMetrics {
    private let connectionsTotal: Counter
    private let connectionsOpen: Meter
    private let requests: Counter

    init(kind: String, port: Int) {
        let dimensions = [("server", kind), ("port", "\(port)")]
        connectionsTotal = Counter(label: "weave_server_connections_total", dimensions: dimensions)
        connectionsOpen = Meter(label: "weave_server_connections_open", dimensions: dimensions)
        requests = Counter(label: "weave_http_requests_total", dimensions: dimensions)
    }

    /// A connection was accepted.
    func connectionOpened() {
        connectionsTotal.increment()
        connectionsOpen.increment()
    }

    /// A connection's handler finished and the connection closed.
    func connectionClosed() {
        connectionsOpen.decrement()
    }

    /// An HTTP request's head arrived.
    func requestReceived() {
        requests.increment()
    }
}
