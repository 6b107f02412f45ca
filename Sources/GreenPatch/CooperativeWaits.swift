import CWeavePatch
import GreenHub

#if canImport(Glibc)
import Glibc
#endif

/// The callbacks the C hooks call when a greenlet must wait: each parks only the calling
/// greenlet on its hub, and turns an interruption into `EINTR` (keeping the error, see
/// `GreenPatch.rethrowingInterruption`).
enum CooperativeWaits {
    static let callbacks = weave_patch_callbacks(
        wait_ready: { fds, count, timeout in waitReady(fds, count: Int(count), timeoutNanoseconds: timeout) },
        sleep_for: { nanoseconds in sleep(nanoseconds: nanoseconds) },
        resolve: { node, service, hints, result in resolve(node, service, hints, result) }
    )

    private static func seconds(_ nanoseconds: Int64) -> Double {
        Double(nanoseconds) / 1e9
    }

    /// Parks until one of `fds` is ready or the time is up (`weave_patch_callbacks.wait_ready`).
    static func waitReady(_ fds: UnsafePointer<pollfd>?, count: Int, timeoutNanoseconds: Int64) -> Int32 {
        guard let hub = Hub.parkableCurrent else { return EPERM }
        let timeout = timeoutNanoseconds < 0 ? nil : seconds(timeoutNanoseconds)
        guard count > 0, let fds else {
            return parkForTime(hub: hub, timeout: timeout)
        }
        guard let poller = ReadinessPoller.current else { return EPERM }
        let wait = ReadinessWait()
        guard let registrations = poller.register(UnsafeBufferPointer(start: fds, count: count), for: wait) else {
            return EPERM
        }
        defer { poller.cancel(registrations) }
        CooperativeWaitCounters.descriptors.increment()
        do {
            let woken = try hub.waitForOtherThread(what: "a descriptor to be ready, in a hooked libc call", timeout: timeout) {
                wake in wait.subscribe(wake)
            }
            return woken ? 0 : ETIMEDOUT
        } catch {
            GreenPatch.keep(error, interrupting: "a wait for descriptors")
            return EINTR
        }
    }

    /// A poll on no descriptors: the time alone, or for ever.
    private static func parkForTime(hub: Hub, timeout: Double?) -> Int32 {
        CooperativeWaitCounters.sleeps.increment()
        do {
            if let timeout {
                try Green.sleep(timeout)
            } else {
                _ = try hub.waitForOtherThread(what: "a poll on no descriptors, for ever", timeout: nil) { _ in }
            }
            return ETIMEDOUT
        } catch {
            GreenPatch.keep(error, interrupting: "a poll on no descriptors")
            return EINTR
        }
    }

    /// Sleeps on the hub's timers (`weave_patch_callbacks.sleep_for`).
    static func sleep(nanoseconds: Int64) -> Int32 {
        guard Hub.parkableCurrent != nil else { return EPERM }
        CooperativeWaitCounters.sleeps.increment()
        do {
            try Green.sleep(seconds(nanoseconds))
            return 0
        } catch {
            GreenPatch.keep(error, interrupting: "a sleep")
            return EINTR
        }
    }

    /// Runs glibc's getaddrinfo on the blocking pool (`weave_patch_callbacks.resolve`).
    static func resolve(
        _ node: UnsafePointer<CChar>?,
        _ service: UnsafePointer<CChar>?,
        _ hints: UnsafePointer<addrinfo>?,
        _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>?
    ) -> Int32 {
        guard Hub.parkableCurrent != nil else {
            errno = EPERM
            return EAI_SYSTEM
        }
        let lookup = NameLookup(node: node, service: service, hints: hints)
        CooperativeWaitCounters.lookups.increment()
        do {
            let answer = try Green.runBlocking { lookup.run() }
            result?.pointee = answer.list
            errno = answer.errno
            return answer.status
        } catch {
            lookup.abandon()
            GreenPatch.keep(error, interrupting: "getaddrinfo")
            errno = EINTR
            return EAI_SYSTEM
        }
    }
}
