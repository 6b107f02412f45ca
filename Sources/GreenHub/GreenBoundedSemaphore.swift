/// A semaphore that refuses to be released more times than it was acquired —
/// `gevent.lock.BoundedSemaphore` (and `threading.BoundedSemaphore`).
///
/// An over-release throws `GreenSyncError.overReleased` instead of silently adding a
/// permit, which catches a release on a path that never acquired. Create it and use it
/// on one thread: its hub's.
public final class GreenBoundedSemaphore: GreenSemaphore {
    /// Creates a semaphore holding `value` permits, and never more, on the calling
    /// thread's hub — `BoundedSemaphore(value)`.
    ///
    /// - Parameters:
    ///   - value: The permits available at first, and the most it may hold; at least 0.
    ///   - name: A name for deadlock reports and `description`.
    public init(_ value: Int = 1, name: String? = nil) {
        super.init(value: value, bound: value, name: name)
    }
}
