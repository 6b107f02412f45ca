import NIOCore
import NIOPosix
import WeaveDurations

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Green {
    /// Runs a blocking closure (a C library call, a file read) on a thread pool and
    /// suspends only the calling greenlet until it returns. The pool is this process's
    /// own, also in a forked child.
    ///
    /// - Throws: What `work` throws, or an error raised in the greenlet meanwhile (the
    ///   work then still runs to its end on the pool).
    public static func runBlocking<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) throws -> Result {
        let hub = Hub.current
        let future = BlockingPool.current.runIfActive(eventLoop: hub.eventLoop, work)
        return try wait(future)
    }

    /// Suspends the calling greenlet until `future` completes, and returns its value.
    ///
    /// The event loop keeps running meanwhile, so this is safe on the hub's own loop
    /// (NIO's `wait()` would deadlock there).
    /// - Throws: The future's error, or an error raised in the greenlet meanwhile.
    @DurationOverload
    public static func wait<Value: Sendable>(_ future: EventLoopFuture<Value>, timeout: Double? = nil) throws -> Value {
        let hub = Hub.current
        let slot = ResultSlot<Value>()
        try hub.trackingExternalWork {
            try hub.wait(for: "an EventLoopFuture", timeout: timeout) { waiter in
                let bound = NIOLoopBound(waiter, eventLoop: hub.eventLoop)
                future.hop(to: hub.eventLoop).whenComplete { result in
                    slot.result = result
                    bound.value.wake()
                }
            }
        }
        return try slot.result!.get()
    }

    /// Calls an async function from green code, suspending only the calling greenlet —
    /// the Swift answer to monkey-patching: every async API becomes callable from
    /// sync-style code.
    ///
    /// The operation runs as a `Task` on Swift's concurrency pool; its result comes back to
    /// the hub's thread. If the greenlet is interrupted meanwhile (a kill, a timeout), the
    /// task is cancelled.
    /// - Throws: What `operation` throws, or the error that interrupted the greenlet.
    @DurationOverload
    public static func await<Result: Sendable>(
        timeout: Double? = nil,
        _ operation: @escaping @Sendable () async throws -> Result
    ) throws -> Result {
        let hub = Hub.current
        let slot = ResultSlot<Result>()
        let loop = hub.eventLoop!
        var task: Task<Void, Never>?
        do {
            try hub.trackingExternalWork {
                try hub.wait(for: "an async operation", timeout: timeout) { waiter in
                    let bound = NIOLoopBound(waiter, eventLoop: loop)
                    task = Task {
                        let result: Swift.Result<Result, any Error>
                        do {
                            result = .success(try await operation())
                        } catch {
                            result = .failure(error)
                        }
                        loop.execute {
                            slot.result = result
                            bound.value.wake()
                        }
                    }
                }
            }
        } catch {
            task?.cancel()
            throw error
        }
        return try slot.result!.get()
    }
}

/// Carries a result from another thread or the event loop to a waiting greenlet; it is
/// written before the wake-up is scheduled on the hub's loop and read after it.
final class ResultSlot<Value>: @unchecked Sendable {
    var result: Swift.Result<Value, any Error>?
}
