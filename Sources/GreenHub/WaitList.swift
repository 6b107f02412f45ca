import DequeModule

/// The greenlets waiting on one primitive, first come first served, each with what it
/// brings or receives (`Payload`) — the private base of every green lock, queue and pool,
/// as gevent's `_abstract_linkable.py` is of its public primitives.
///
/// A waiter whose wait ended otherwise (a timeout, a kill) stays in the list and is
/// skipped when it comes up; the list also sweeps such waiters out when it grows, so a
/// primitive polled with short timeouts does not grow without bound. Use it on the hub's
/// thread only.
@usableFromInline
struct WaitList<Payload> {
    @usableFromInline var entries = Deque<(waiter: Waiter, payload: Payload)>()
    @usableFromInline var sweepThreshold = WaitList.minimumSweepThreshold
    @usableFromInline static var minimumSweepThreshold: Int { 64 }

    @usableFromInline init() {}

    /// Adds a greenlet at the end of the line.
    ///
    /// - Complexity: Amortized O(1).
    @inlinable
    mutating func append(_ waiter: Waiter, _ payload: Payload) {
        if entries.count >= sweepThreshold {
            entries.removeAll { !$0.waiter.isWaiting }
            sweepThreshold = Swift.max(Self.minimumSweepThreshold, entries.count * 2)
        }
        entries.append((waiter, payload))
    }

    /// Removes and returns the longest-waiting entry whose greenlet still waits. Its
    /// `wake(throwing:)` returns `true` until control leaves the caller.
    @inlinable
    mutating func popWaiting() -> (waiter: Waiter, payload: Payload)? {
        while let entry = entries.popFirst() {
            if entry.waiter.isWaiting { return entry }
        }
        return nil
    }

    /// Wakes the longest-waiting greenlet; `false` if none waits.
    @discardableResult
    mutating func wakeFirst() -> Bool {
        popWaiting()?.waiter.wake() ?? false
    }

    /// Wakes every waiting greenlet, raising `error` in each if given, and empties the list.
    mutating func wakeAll(throwing error: (any Error)? = nil) {
        let woken = entries
        entries.removeAll()
        for entry in woken {
            entry.waiter.wake(throwing: error)
        }
    }

    /// How many greenlets still wait (for descriptions and reports).
    ///
    /// - Complexity: O(*n*), stale entries included.
    var waitingCount: Int {
        entries.count { $0.waiter.isWaiting }
    }
}

extension Hub {
    /// `wait(for:timeout:_:)` for a call with a timeout of its own: returns `false` when
    /// that timeout runs out instead of throwing. A scoped timeout (`Green.withTimeout`)
    /// and every other error still propagate.
    func waitUnlessTimedOut(
        for what: @escaping @autoclosure () -> String,
        timeout: Double?,
        _ register: (Waiter) -> Void
    ) throws -> Bool {
        try untilTimedOut(timeout) { try wait(for: what(), timeout: timeout, register) }
    }

    /// `waitUnlessTimedOut(for:timeout:_:)` on a primitive that describes the wait itself.
    @usableFromInline
    func waitUnlessTimedOut(
        on subject: any WaitDescribing,
        detail: UInt8,
        timeout: Double?,
        _ register: (Waiter) -> Void
    ) throws -> Bool {
        do {
            try wait(on: subject, detail: detail, timeout: timeout, register)
            return true
        } catch let expiry as GreenTimeoutError where expiry.scope == 0 && timeout != nil {
            return false
        }
    }

    /// Runs `wait`; `false` if it ended because its own `timeout` ran out.
    private func untilTimedOut(_ timeout: Double?, _ wait: () throws -> Void) throws -> Bool {
        do {
            try wait()
            return true
        } catch let expiry as GreenTimeoutError where expiry.scope == 0 && timeout != nil {
            return false
        }
    }

    /// Makes `error` the running greenlet's pending interruption, raised at its next
    /// wait: for an iterator that cannot throw and must not lose a kill.
    @usableFromInline
    func raiseAtNextWait(_ error: any Error) {
        let me = runningRecord
        if me.pendingInterrupt == nil {
            me.pendingInterrupt = error
        }
    }
}

/// Runs `body` between `acquire` and `release`, releasing even if `body` throws — the
/// `with lock:` of every green lock and semaphore.
func runHolding<Result>(
    acquire: () throws -> Void,
    release: () throws -> Void,
    _ body: () throws -> Result
) throws -> Result {
    try acquire()
    let result: Result
    do {
        result = try body()
    } catch {
        try release()
        throw error
    }
    try release()
    return result
}

/// "GreenEvent 'ready'" for a named primitive, "GreenEvent" for an unnamed one.
func primitiveLabel(_ kind: String, _ name: String?) -> String {
    name.map { "\(kind) '\($0)'" } ?? kind
}

/// "1 getter" / "2 getters".
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

/// The end of a time budget shared by several waits in a row (a wait re-checked in a
/// loop): each wait gets what is left.
struct WaitDeadline {
    private let deadline: UInt64?

    /// A deadline `timeout` seconds from now; `nil` never ends.
    init(timeout: Double?) {
        deadline = timeout.map { Hub.now() &+ UInt64(Swift.max(Swift.min($0, 1e9), 0) * 1e9) }
    }

    /// Whether the time is up.
    var hasPassed: Bool {
        guard let deadline else { return false }
        return Hub.now() >= deadline
    }

    /// The seconds left for the next wait (0 once passed), or `nil` without a deadline.
    var remaining: Double? {
        guard let deadline else { return nil }
        let now = Hub.now()
        return now < deadline ? Double(deadline - now) / 1e9 : 0
    }
}
