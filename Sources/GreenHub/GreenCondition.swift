import WeaveDurations

/// A condition variable for greenlets: wait, holding a lock, until another greenlet
/// notifies — `threading.Condition` for greenlets (gevent has no green Condition of its
/// own; monkey-patched `threading.Condition` plays the part).
///
/// Waiting releases the lock and reacquires it before returning (or throwing); notifying
/// wakes the longest-waiting greenlets first. Both require holding the lock.
///
/// Create it and use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
///
/// ```swift
/// let changed = GreenCondition(name: "stock")
/// // consumer
/// try changed.withLock {
///     while stock.isEmpty { try changed.wait() }
///     stock.removeFirst()
/// }
/// // producer
/// try changed.withLock { stock.append(item); try changed.notify() }
/// ```
public final class GreenCondition: CustomStringConvertible {
    private enum Underlying {
        case lock(GreenLock)
        case reentrant(GreenRLock)
    }

    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    private let underlying: Underlying
    private var waiters = WaitList<Void>()

    /// Creates a condition over a new ``GreenRLock`` — `Condition()`.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public convenience init(name: String? = nil) {
        self.init(underlying: .reentrant(GreenRLock(name: name)), hub: Hub.current, name: name)
    }

    /// Creates a condition over `lock` — `Condition(lock)`. Any greenlet holding the lock
    /// counts as its holder.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public convenience init(lock: GreenLock, name: String? = nil) {
        self.init(underlying: .lock(lock), hub: lock.hub, name: name)
    }

    /// Creates a condition over the reentrant `lock` — `Condition(rlock)`. Only the
    /// greenlet holding it may wait and notify.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public convenience init(lock: GreenRLock, name: String? = nil) {
        self.init(underlying: .reentrant(lock), hub: lock.hub, name: name)
    }

    private init(underlying: Underlying, hub: Hub, name: String?) {
        self.underlying = underlying
        self.hub = hub
        self.name = name
    }

    // MARK: The lock

    /// Acquires the underlying lock — `acquire(blocking, timeout)`; see
    /// `GreenLock.acquire(blocking:timeout:)`.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) throws -> Bool {
        switch underlying {
        case .lock(let lock): try lock.acquire(blocking: blocking, timeout: timeout)
        case .reentrant(let lock): try lock.acquire(blocking: blocking, timeout: timeout)
        }
    }

    /// Releases the underlying lock — `release()`; see `GreenLock.release()`.
    public func release() throws {
        switch underlying {
        case .lock(let lock): try lock.release()
        case .reentrant(let lock): try lock.release()
        }
    }

    /// Runs `body` holding the underlying lock — `with condition:`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Throws: What `body` throws; what acquiring and releasing the lock throw.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        switch underlying {
        case .lock(let lock): try lock.withLock(body)
        case .reentrant(let lock): try lock.withLock(body)
        }
    }

    // MARK: Waiting and notifying

    /// Releases the lock, blocks the running greenlet until notified, and reacquires the
    /// lock — `wait(timeout)`.
    ///
    /// The lock is reacquired (with a reentrant lock's full depth) before the call
    /// returns or throws — unless reacquiring is itself interrupted. Call on the hub's
    /// thread, holding the lock, from any greenlet but the hub's.
    /// - Parameter timeout: Seconds to wait for a notification at most; `nil` waits for
    ///   ever. Reacquiring the lock afterwards is not limited.
    /// - Returns: `true` if notified, `false` if `timeout` ran out first.
    /// - Throws: `GreenSyncError.notLocked` or `.notOwner` if the caller does not hold
    ///   the lock; an error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if no one can ever notify; `HubError.wrongThread`.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        try checkHeld(doing: "waited on")
        let saved = releaseForWait()
        let notified: Bool
        do {
            notified = try hub.waitUnlessTimedOut(for: "\(self.description) — wait", timeout: timeout) { waiter in
                waiters.append(waiter, ())
            }
        } catch {
            try reacquire(saved)
            throw error
        }
        try reacquire(saved)
        return notified
    }

    /// Waits until `predicate` holds, re-checking it after each notification —
    /// `wait_for(predicate, timeout)`.
    ///
    /// Call on the hub's thread, holding the lock, from any greenlet but the hub's.
    /// - Parameters:
    ///   - timeout: Seconds to wait at most in all; `nil` waits for ever.
    ///   - predicate: Checked holding the lock, first before any wait.
    /// - Returns: The last value of `predicate` (`false` when `timeout` ran out first).
    /// - Throws: What `wait(timeout:)` and `predicate` throw.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil, until predicate: () throws -> Bool) throws -> Bool {
        let deadline = WaitDeadline(timeout: timeout)
        while true {
            if try predicate() { return true }
            if deadline.hasPassed { return false }
            try wait(timeout: deadline.remaining)
        }
    }

    /// Wakes up to `count` waiting greenlets, longest-waiting first — `notify(n)`. They
    /// return from `wait` once they get the lock back.
    ///
    /// Call on the hub's thread, holding the lock.
    /// - Throws: `GreenSyncError.notLocked` or `.notOwner` if the caller does not hold
    ///   the lock; `HubError.wrongThread`.
    public func notify(_ count: Int = 1) throws {
        try checkHeld(doing: "notified")
        var left = count
        while left > 0, waiters.wakeFirst() {
            left -= 1
        }
    }

    /// Wakes every waiting greenlet — `notify_all()`.
    ///
    /// Call on the hub's thread, holding the lock.
    /// - Throws: `GreenSyncError.notLocked` or `.notOwner` if the caller does not hold
    ///   the lock; `HubError.wrongThread`.
    public func notifyAll() throws {
        try checkHeld(doing: "notified")
        waiters.wakeAll()
    }

    // MARK: Internals

    private func checkHeld(doing action: String) throws {
        switch underlying {
        case .lock(let lock):
            try hub.checkThread()
            guard lock.isLocked else {
                throw GreenSyncError(.notLocked, "\(primitiveLabel("GreenCondition", name)) was \(action) without holding its lock; call it inside withLock")
            }
        case .reentrant(let lock):
            try lock.checkHeld(doing: action)
        }
    }

    /// Releases the lock (which the caller checked is held) fully; returns the reentrant
    /// depth to restore.
    private func releaseForWait() -> Int {
        switch underlying {
        case .lock(let lock):
            lock.unlock()
            return 1
        case .reentrant(let lock):
            return lock.releaseAll()
        }
    }

    private func reacquire(_ depth: Int) throws {
        switch underlying {
        case .lock(let lock): try lock.acquire()
        case .reentrant(let lock): try lock.acquire(restoring: depth)
        }
    }

    /// The condition's name, its lock and the number of waiters.
    public var description: String {
        let lock =
            switch underlying {
            case .lock(let lock): lock.description
            case .reentrant(let lock): lock.description
            }
        return "\(primitiveLabel("GreenCondition", name)) (\(waiters.waitingCount) waiting; lock: \(lock))"
    }
}
