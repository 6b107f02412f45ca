import DequeModule
import Greenlets
import WeaveDurations

/// The gevent-style API of the calling thread's hub: ``Green/spawn(name:stackMode:_:)``,
/// ``Green/sleep(_:)``, ``Green/joinAll(_:timeout:raiseError:)-(_,Double?,_)`` and friends.
///
/// ```swift
/// let workers = (1...3).map { n in
///     Green.spawn { try Green.sleep(Double(n) * 0.01); return n }
/// }
/// try Green.joinAll(workers)
/// ```
public enum Green {
    // MARK: Spawning

    /// Starts `body` in a new green thread, which runs when the caller next blocks —
    /// `gevent.spawn(function)`.
    ///
    /// - Parameters:
    ///   - name: A name for diagnostics (deadlock reports, the blocking detector).
    ///   - stackMode: The green thread's stack (see ``/Greenlets/Greenlet/StackMode``); by
    ///     default ``/Greenlets/Greenlet/defaultStackMode``.
    ///   - body: The green thread's work; its value or error is the thread's outcome.
    @inlinable @discardableResult
    public static func spawn<Value>(
        name: String? = nil,
        stackMode: Greenlet.StackMode? = nil,
        _ body: @escaping () throws -> Value
    ) -> GreenThread<Value> {
        Hub.withCurrent { hub in
            let thread = GreenThread(hub: hub, name: name, stackMode: stackMode, body: body)
            hub.schedule(thread)
            return thread
        }
    }

    /// Starts `body` in a new green thread after `delay` seconds — `gevent.spawn_later`.
    @DurationOverload
    @discardableResult
    public static func spawnLater<Value>(
        _ delay: Double,
        name: String? = nil,
        stackMode: Greenlet.StackMode? = nil,
        _ body: @escaping () throws -> Value
    ) -> GreenThread<Value> {
        let hub = Hub.current
        let thread = GreenThread(hub: hub, name: name, stackMode: stackMode, body: body)
        hub.scheduleTimer(after: delay) { [unowned hub] in
            if thread.phase == .pending { hub.schedule(thread) }
        }
        return thread
    }

    // MARK: Sleeping

    /// Suspends the running greenlet for `seconds` — `gevent.sleep(seconds)`. With 0 it
    /// gives every other ready greenlet a turn and comes back.
    ///
    /// - Throws: An error raised in the greenlet while it sleeps (a kill, a scoped timeout).
    @DurationOverload(label: "for")
    public static func sleep(_ seconds: Double) throws {
        try Hub.withCurrent { hub in
            if seconds > 0 {
                try hub.sleep(seconds)
            } else {
                try hub.yieldTurn()
            }
        }
    }

    // MARK: Joining and killing

    /// Waits for green threads to finish — `gevent.joinall`.
    ///
    /// - Parameters:
    ///   - threads: The green threads to wait for.
    ///   - timeout: Seconds to wait at most; `nil` waits for ever.
    ///   - raiseError: Whether to throw the first error a green thread ends with, as
    ///     soon as it does.
    /// - Returns: The green threads that finished, in the order they did.
    @DurationOverload
    @discardableResult
    public static func joinAll(
        _ threads: [AnyGreenThread],
        timeout: Double? = nil,
        raiseError: Bool = false
    ) throws -> [AnyGreenThread] {
        var finished: [AnyGreenThread] = []
        var completions = try completed(threads, timeout: timeout)
        while let thread = try completions.nextFinished() {
            finished.append(thread)
            if raiseError, let error = thread.error {
                throw error
            }
        }
        return finished
    }

    /// Kills every green thread in `threads` — `gevent.killall`.
    ///
    /// - Parameters:
    ///   - threads: The green threads to kill.
    ///   - error: What to raise in each; ``/Greenlets/GreenletExit`` by default.
    ///   - wait: Whether to wait until they have all finished.
    ///   - timeout: With `wait`, seconds to wait at most.
    @DurationOverload
    public static func killAll(
        _ threads: [AnyGreenThread],
        error: any Error = GreenletExit(),
        wait: Bool = true,
        timeout: Double? = nil
    ) throws {
        for thread in threads {
            try thread.kill(error, wait: false)
        }
        if wait {
            try joinAll(threads, timeout: timeout)
        }
    }

    /// The green threads of `threads` as they finish, in the order they do —
    /// `gevent.iwait`.
    ///
    /// Iterating blocks the running greenlet until the next one finishes; iteration ends
    /// when all have, or when `timeout` seconds have passed since the call.
    @DurationOverload
    public static func completed(_ threads: [AnyGreenThread], timeout: Double? = nil) throws -> CompletionSequence {
        let hub = Hub.current
        try hub.checkThread()
        return CompletionSequence(hub: hub, threads: threads, timeout: timeout)
    }

    // MARK: Timeouts

    /// Runs `body`, interrupting whatever green wait is in progress inside it once
    /// `seconds` have passed — `with gevent.Timeout(seconds):`.
    ///
    /// - Throws: ``GreenTimeoutError`` if time runs out while `body` waits, and whatever
    ///   `body` throws.
    @DurationOverload
    public static func withTimeout<Result>(_ seconds: Double, _ body: () throws -> Result) throws -> Result {
        let hub = Hub.current
        let me = hub.runningRecord
        hub.scopeSequence += 1
        let expiry = GreenTimeoutError(seconds: seconds, scope: hub.scopeSequence)
        let timer = hub.scheduleTimer(after: seconds) { [unowned hub] in
            hub.interrupt(me, with: expiry)
        }
        defer {
            hub.cancelTimer(timer)
            if let pending = me.pendingInterrupt as? GreenTimeoutError, pending.scope == expiry.scope {
                me.pendingInterrupt = nil
            }
        }
        return try body()
    }
}

/// The green threads of a set as they finish; see ``Green/completed(_:timeout:)-(_,Double?)``.
public struct CompletionSequence: Sequence, IteratorProtocol {
    private let hub: Hub
    private let inbox: CompletionInbox
    private var remaining: Int
    private let deadline: UInt64?

    init(hub: Hub, threads: [AnyGreenThread], timeout: Double?) {
        self.hub = hub
        inbox = CompletionInbox()
        remaining = threads.count
        deadline = timeout.map { Hub.now() &+ UInt64(Swift.max($0, 0) * 1e9) }
        for thread in threads {
            thread.add(.completion(inbox))
        }
    }

    /// The next green thread to finish, or `nil` when all have or time has run out.
    ///
    /// Blocks the running greenlet. A wait interrupted by an error (a kill, a scoped
    /// timeout, a deadlock) ends the iteration, and the error is raised at the greenlet's
    /// next blocking call, so it is never lost; `nextFinished()` throws it at once instead.
    public mutating func next() -> AnyGreenThread? {
        do {
            return try nextFinished()
        } catch {
            hub.raiseAtNextWait(error)
            return nil
        }
    }

    /// The next green thread to finish, or `nil` when all have or time has run out.
    ///
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout,
    ///   ``HubError`` for a deadlock).
    public mutating func nextFinished() throws -> AnyGreenThread? {
        guard remaining > 0 else { return nil }
        if inbox.finished.isEmpty {
            var timeout: Double?
            if let deadline {
                let now = Hub.now()
                guard now < deadline else { return nil }
                timeout = Double(deadline - now) / 1e9
            }
            let inbox = self.inbox
            let count = remaining
            do {
                try hub.wait(for: "\(count) green thread(s) to finish", timeout: timeout) { waiter in
                    inbox.waiter = waiter
                }
            } catch let expiry as GreenTimeoutError where expiry.scope == 0 && timeout != nil {
                return nil
            }
        }
        guard !inbox.finished.isEmpty else { return nil }
        remaining -= 1
        return inbox.finished.removeFirst()
    }
}

/// Collects finished green threads for a ``CompletionSequence``.
final class CompletionInbox {
    @exclusivity(unchecked) var finished = Deque<AnyGreenThread>()
    @exclusivity(unchecked) var waiter: Waiter?

    func deliver(_ thread: AnyGreenThread) {
        finished.append(thread)
        waiter?.wake()
        waiter = nil
    }
}
