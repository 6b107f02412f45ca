import CWeavePatch
import GreenHub
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process's readiness watcher for descriptors that greenlets wait on inside hooked
/// calls: a thread of its own blocked in its own epoll (NIO's is private).
///
/// A wait registers a duplicate of each descriptor, one-shot, under a token, so that two
/// greenlets may wait on one descriptor (one to read, one to write) and the user's
/// descriptor number is never in this epoll. When a duplicate turns ready the thread
/// fires the wait, whose wake function brings the greenlet back on its hub's loop. A
/// forked child starts a watcher of its own on first use (the parent's thread is not
/// copied).
final class ReadinessPoller: Sendable {
    private static let shared = Mutex<(poller: ReadinessPoller, owner: pid_t)?>(nil)

    /// This process's watcher, started on first use; `nil` (and logged) when the system
    /// refuses an epoll or a thread: the hooks then make the real blocking calls.
    static var current: ReadinessPoller? {
        let me = getpid()
        return shared.withLock { shared -> ReadinessPoller? in
            if let shared, shared.owner == me { return shared.poller }
            guard let poller = ReadinessPoller() else { return nil }
            shared = (poller, me)
            return poller
        }
    }

    private let epoll: Int32
    private let waits = Mutex<[UInt64: ReadinessWait]>([:])
    private let nextToken = Atomic<UInt64>(1)

    private init?() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else {
            GreenPatch.logger.error(
                "epoll_create1 failed; greenlets' hooked calls will block their thread",
                metadata: ["errno": "\(errno)"])
            return nil
        }
        let started = startDetachedThread { [self] in run() }
        guard started == 0 else {
            GreenPatch.logger.error(
                "could not start the readiness thread; greenlets' hooked calls will block their thread",
                metadata: ["error": "\(started)"])
            close(epoll)
            return nil
        }
    }

    /// What one registration keeps: its token and the duplicate descriptor.
    struct Registration {
        let token: UInt64
        let duplicate: Int32
    }

    /// Registers `fds` (negative descriptors are skipped) for `wait`. Returns `nil` after
    /// undoing everything when a descriptor cannot be watched (epoll refuses regular files;
    /// a bad descriptor): the caller then makes the real call.
    func register(_ fds: UnsafeBufferPointer<pollfd>, for wait: ReadinessWait) -> [Registration]? {
        var registrations: [Registration] = []
        registrations.reserveCapacity(fds.count)
        for entry in fds where entry.fd >= 0 {
            let duplicate = fcntl(entry.fd, F_DUPFD_CLOEXEC, 0)
            guard duplicate >= 0 else {
                cancel(registrations)
                return nil
            }
            let token = nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
            waits.withLock { $0[token] = wait }
            let interest = UInt32(UInt16(bitPattern: entry.events))
                & (EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLPRI.rawValue | EPOLLRDHUP.rawValue)
            var event = epoll_event()
            event.events = interest | EPOLLONESHOT.rawValue
            event.data.u64 = token
            registrations.append(Registration(token: token, duplicate: duplicate))
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, duplicate, &event) == 0 else {
                cancel(registrations)
                return nil
            }
        }
        return registrations
    }

    /// Takes `registrations` out of the epoll and closes their duplicates (deleted first:
    /// epoll keys on the open file, which the user's descriptor keeps open).
    func cancel(_ registrations: [Registration]) {
        for registration in registrations {
            var event = epoll_event()
            epoll_ctl(epoll, EPOLL_CTL_DEL, registration.duplicate, &event)
            close(registration.duplicate)
        }
        waits.withLock { waits in
            for registration in registrations { waits[registration.token] = nil }
        }
    }

    /// The watcher thread: fires the wait of every descriptor that turns ready.
    private func run() {
        let capacity: Int32 = 64
        var events = [epoll_event](repeating: epoll_event(), count: Int(capacity))
        while true {
            let count = events.withUnsafeMutableBufferPointer {
                epoll_wait(epoll, $0.baseAddress, capacity, -1)
            }
            if count < 0 {
                if errno == EINTR { continue }
                GreenPatch.logger.error(
                    "epoll_wait failed; the readiness thread stops", metadata: ["errno": "\(errno)"])
                return
            }
            for index in 0..<Int(count) {
                let token = events[index].data.u64
                waits.withLock { $0[token] }?.fire()
            }
        }
    }
}

/// One greenlet's wait for readiness: fired by the watcher thread, and subscribed to by
/// the greenlet as it parks, in either order.
final class ReadinessWait: Sendable {
    private let state = Mutex<(fired: Bool, wake: (@Sendable () -> Void)?)>((false, nil))

    /// Wakes the greenlet, or remembers to as soon as it subscribes.
    func fire() {
        let wake = state.withLock { state -> (@Sendable () -> Void)? in
            state.fired = true
            return state.wake
        }
        wake?()
    }

    /// Gives the wait the greenlet's wake function; calls it at once if already fired.
    func subscribe(_ wake: @escaping @Sendable () -> Void) {
        let fired = state.withLock { state -> Bool in
            state.wake = wake
            return state.fired
        }
        if fired { wake() }
    }
}
