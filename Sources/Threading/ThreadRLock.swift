import WeaveDurations

/// A reentrant lock for OS threads — Python's `threading.RLock`.
///
/// The thread that holds it may acquire it again; it is free once released as many times
/// as it was acquired. Only the holder may release it.
///
/// Any thread may use it. A blocking call blocks the whole OS thread: called from a
/// greenlet it stalls that thread's hub too, so green code uses `GreenRLock` instead.
///
/// ```swift
/// let lock = ThreadRLock()
/// lock.withLock { lock.withLock { print("held twice") } }
/// ```
public final class ThreadRLock: Sendable {
    struct Ownership {
        /// `pthread_self()` of the holder.
        var owner: UInt?
        var count = 0
    }

    private let handle = ConditionHandle(Ownership())

    /// Creates an unlocked reentrant lock.
    public init() {}

    /// Takes the lock, or takes it once more when the caller already holds it —
    /// `RLock.acquire(blocking, timeout)`.
    ///
    /// - Parameters:
    ///   - blocking: Whether to wait; `false` tries once and returns at once.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the caller now holds the lock.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) -> Bool {
        let me = Syscalls.currentIdent()
        let deadline = Deadline(blocking: blocking, timeout: timeout)
        return handle.wait(until: deadline, for: { $0.owner == nil || $0.owner == me }) { ownership, ready in
            guard ready else { return false }
            ownership.owner = me
            ownership.count += 1
            return true
        }
    }

    /// Releases one level of the caller's hold; the last one frees the lock and wakes one
    /// waiter — `RLock.release()`.
    ///
    /// - Throws: `ThreadingError(.notOwner)` when the calling thread does not hold it.
    public func release() throws {
        let me = Syscalls.currentIdent()
        let freed = try handle.withLock { ownership in
            guard ownership.owner == me else {
                throw ThreadingError(.notOwner, context: "ThreadRLock.release() on a thread that does not hold it")
            }
            ownership.count -= 1
            if ownership.count == 0 { ownership.owner = nil }
            return ownership.count == 0
        }
        if freed { handle.signal() }
    }

    /// Runs `body` holding the lock — `with rlock:`.
    ///
    /// - Throws: What `body` throws.
    public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        acquire()
        defer { releaseHeld() }
        return try body()
    }

    /// Whether the calling thread holds the lock (Python's `RLock._is_owned()`).
    public var isHeldByCurrentThread: Bool {
        let me = Syscalls.currentIdent()
        return handle.withLock { $0.owner == me }
    }

    // MARK: For ThreadCondition and withLock

    /// Releases one level `withLock` took, unless `body` already released it.
    private func releaseHeld() {
        let me = Syscalls.currentIdent()
        let freed = handle.withLock { ownership in
            guard ownership.owner == me else { return false }
            ownership.count -= 1
            if ownership.count == 0 { ownership.owner = nil }
            return ownership.count == 0
        }
        if freed { handle.signal() }
    }

    /// Frees the lock whatever the caller's depth, returning the depth
    /// (`RLock._release_save()`); the caller holds it.
    func releaseAllLevels() -> Int {
        let depth = handle.withLock { ownership in
            let depth = ownership.count
            ownership = Ownership()
            return depth
        }
        handle.signal()
        return depth
    }

    /// Takes the lock back at `depth` levels (`RLock._acquire_restore()`).
    func reacquire(levels depth: Int) {
        let me = Syscalls.currentIdent()
        handle.wait(until: .never, for: { $0.owner == nil }) { ownership, _ in
            ownership.owner = me
            ownership.count = depth
        }
    }
}
