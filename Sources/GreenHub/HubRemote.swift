import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread-safe handle on a hub, for other threads and for async code: submit green work
/// to it, or run a green block there and await its result.
///
/// While a remote exists, the hub counts it as something that may still wake a greenlet,
/// so a greenlet waiting for work from another thread is not reported as a deadlock.
///
/// ```swift
/// let remote = Hub.current.makeRemote()       // on the hub's thread
/// let answer = try await remote.run { () -> Int in
///     try Green.sleep(0.01)                   // green code, on the hub's thread
///     return 42
/// }
/// ```
public final class HubRemote: Sendable {
    /// The hub's event loop.
    public let eventLoop: any EventLoop
    private let hub: NIOLoopBound<Hub>

    init(hub: Hub) {
        eventLoop = hub.eventLoop
        self.hub = NIOLoopBound(hub, eventLoop: hub.eventLoop)
        hub.remoteCount += 1
    }

    deinit {
        let hub = self.hub
        eventLoop.execute {
            hub.value.remoteCount -= 1
            if hub.value.remoteCount == 0 {
                hub.value.reportDeadlockIfStuck()
            }
        }
    }

    /// Runs `body` in a new green thread on the hub, from any thread.
    public func submit(name: String? = nil, _ body: @escaping @Sendable () throws -> Void) {
        let hub = self.hub
        eventLoop.execute {
            let thread = GreenThread(hub: hub.value, name: name, stackMode: nil, body: body)
            hub.value.schedule(thread)
        }
    }

    /// Runs `body` in a new green thread on the hub and returns its result to async code.
    ///
    /// - Throws: What `body` throws.
    public func run<Result: Sendable>(
        name: String? = nil,
        _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            submit(name: name) {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

extension Hub {
    /// A thread-safe handle on this hub. Call on the hub's thread.
    public func makeRemote() -> HubRemote {
        HubRemote(hub: self)
    }

    /// Starts a thread that runs a hub until no remote on it is left, and returns a remote
    /// on it: a home for green code when the caller is async code or another thread.
    ///
    /// - Throws: ``HubError`` with code `threadUnavailable` when the system refuses a thread.
    public static func startThread() throws -> HubRemote {
        let handoff = RemoteHandoff()
        let created = startDetachedThread {
            Hub.current.runUntilUnreachable(handing: handoff)
        }
        guard created == 0 else {
            throw HubError(.threadUnavailable, "the system refused a new thread (pthread_create error \(created))")
        }
        return handoff.take()
    }

    /// Parks the main greenlet until nothing can wake it any more (no remote, no timer,
    /// no green work left): the life of a hub thread.
    private func runUntilUnreachable(handing handoff: RemoteHandoff) {
        handoff.put(makeRemote())
        while true {
            do {
                try wait(for: "work from other threads") { _ in }
            } catch {
                return
            }
        }
    }
}

/// Passes the first remote from a new hub thread to its creator.
private final class RemoteHandoff: @unchecked Sendable {
    private var remote: HubRemote?
    private var lock = pthread_mutex_t()
    private var ready = pthread_cond_t()

    init() {
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&ready, nil)
    }

    func put(_ remote: HubRemote) {
        pthread_mutex_lock(&lock)
        self.remote = remote
        pthread_cond_signal(&ready)
        pthread_mutex_unlock(&lock)
    }

    func take() -> HubRemote {
        pthread_mutex_lock(&lock)
        while remote == nil {
            pthread_cond_wait(&ready, &lock)
        }
        let taken = remote!
        remote = nil
        pthread_mutex_unlock(&lock)
        return taken
    }
}
