import WeaveDurations

/// A counter of permits that OS threads take and give back, blocking while none is left —
/// Python's `threading.Semaphore`.
///
/// Any thread may use it. A blocking call blocks the whole OS thread: called from a
/// greenlet it stalls that thread's hub too, so green code uses `GreenSemaphore` instead.
///
/// ```swift
/// let downloads = ThreadSemaphore(3)
/// try downloads.withPermit { fetch(url) }
/// ```
public class ThreadSemaphore: @unchecked Sendable {
    struct Permits {
        var available: Int
        /// The most permits it may hold, for a bounded semaphore.
        let bound: Int?
    }

    private let handle: ConditionHandle<Permits>

    /// Creates a semaphore holding `value` permits — `Semaphore(value)`.
    ///
    /// - Precondition: `value` is 0 or more (Python raises `ValueError`): a negative count
    ///   is a programmer error.
    public convenience init(_ value: Int = 1) {
        self.init(value: value, bound: nil)
    }

    init(value: Int, bound: Int?) {
        precondition(value >= 0, "a semaphore starts with 0 or more permits, not \(value)")
        handle = ConditionHandle(Permits(available: value, bound: bound))
    }

    /// The permits that can be taken now without waiting.
    public var value: Int { handle.withLock { $0.available } }

    /// Takes a permit, waiting while none is left — `Semaphore.acquire(blocking, timeout)`.
    ///
    /// - Parameters:
    ///   - blocking: Whether to wait; `false` tries once and returns at once.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the caller got a permit.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) -> Bool {
        handle.wait(until: Deadline(blocking: blocking, timeout: timeout), for: { $0.available > 0 }) { permits, ready in
            if ready { permits.available -= 1 }
            return ready
        }
    }

    /// Gives back `count` permits and wakes as many waiters — `Semaphore.release(n)`.
    ///
    /// - Throws: ``ThreadingError`` `.invalidArgument` when `count` is below 1;
    ///   `.overReleased` when a bounded semaphore would hold more than it started with
    ///   (then nothing is given back).
    public func release(_ count: Int = 1) throws {
        guard count >= 1 else {
            throw ThreadingError(.invalidArgument, context: "release(\(count)): give back 1 or more permits")
        }
        try handle.withLock { permits in
            if let bound = permits.bound, permits.available + count > bound {
                throw ThreadingError(
                    .overReleased, context: "release(\(count)) with \(permits.available) of \(bound) permits held")
            }
            permits.available += count
        }
        if count == 1 { handle.signal() } else { handle.broadcast() }
    }

    /// Runs `body` holding a permit — `with semaphore:`.
    ///
    /// - Throws: What `body` throws, or what `release()` throws.
    public func withPermit<Result>(_ body: () throws -> Result) throws -> Result {
        acquire()
        let result = Swift.Result(catching: body)
        try release()
        return try result.get()
    }
}
