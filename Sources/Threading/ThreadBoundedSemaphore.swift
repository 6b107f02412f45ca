/// A semaphore that refuses to hold more permits than it started with — Python's
/// `threading.BoundedSemaphore`. An extra `release()` throws `.overReleased`, catching
/// the bug of releasing a resource twice.
public final class ThreadBoundedSemaphore: ThreadSemaphore, @unchecked Sendable {
    /// Creates a bounded semaphore holding `value` permits, its most —
    /// `BoundedSemaphore(value)`.
    ///
    /// - Precondition: `value` is 0 or more.
    public init(_ value: Int = 1) {
        super.init(value: value, bound: value)
    }
}
