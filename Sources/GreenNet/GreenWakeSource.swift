import GreenHub

/// Marks an open network resource (a socket, a listener, a client's pool) as something
/// that may still wake a greenlet, for the hub's deadlock check: while any is open, a
/// greenlet waiting on the network is not reported as deadlocked, as in gevent, where an
/// active I/O watcher keeps the loop alive.
///
/// It holds a ``/GreenHub/HubRemote``, which the hub counts as a source of wake-ups, until `end()`.
struct GreenWakeSource {
    private var remote: HubRemote?

    /// Starts counting on the calling thread's hub.
    init() {
        remote = Hub.current.makeRemote()
    }

    /// Stops counting (the resource closed).
    mutating func end() {
        remote = nil
    }
}
