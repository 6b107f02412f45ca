#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts live instances of `Tracked` objects, so that tests can check that values handed
/// between greenlets, queues or processes are neither leaked nor released twice.
public final class LifetimeTracker: @unchecked Sendable {
    private var live = 0
    private var lock = pthread_mutex_t()

    /// Creates a tracker with no live instances.
    public init() {
        pthread_mutex_init(&lock, nil)
    }

    /// How many instances made by this tracker are alive.
    public var liveCount: Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return live
    }

    /// Makes a tracked instance carrying `payload`.
    public func instance<Payload>(_ payload: Payload) -> Tracked<Payload> {
        adjust(1)
        return Tracked(payload, tracker: self)
    }

    fileprivate func adjust(_ delta: Int) {
        pthread_mutex_lock(&lock)
        live += delta
        pthread_mutex_unlock(&lock)
    }

    /// An object whose lifetime its tracker counts.
    public final class Tracked<Payload> {
        /// The carried value.
        public let payload: Payload
        private let tracker: LifetimeTracker

        fileprivate init(_ payload: Payload, tracker: LifetimeTracker) {
            self.payload = payload
            self.tracker = tracker
        }

        deinit { tracker.adjust(-1) }
    }
}
