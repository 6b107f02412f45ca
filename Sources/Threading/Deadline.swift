#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The moment a timed wait gives up, on the monotonic clock, so that changes to the wall
/// clock never stretch or cut a timeout.
struct Deadline: Sendable {
    /// `CLOCK_MONOTONIC` nanoseconds; nil for a wait without end.
    let uptimeNanoseconds: UInt64?

    /// A deadline that never comes.
    static let never = Deadline(uptimeNanoseconds: nil)

    private init(uptimeNanoseconds: UInt64?) {
        self.uptimeNanoseconds = uptimeNanoseconds
    }

    /// The deadline `timeout` seconds from now: `nil` and infinity never come; zero,
    /// negative and NaN timeouts have already passed (a single non-blocking try).
    init(timeout: Double?) {
        guard let timeout, timeout != .infinity else {
            self.init(uptimeNanoseconds: nil)
            return
        }
        let now = Syscalls.monotonicNanoseconds()
        guard timeout > 0 else {
            self.init(uptimeNanoseconds: now)
            return
        }
        let nanoseconds = timeout * 1e9
        guard nanoseconds < Double(UInt64.max - now) else {
            self.init(uptimeNanoseconds: nil)
            return
        }
        self.init(uptimeNanoseconds: now + UInt64(nanoseconds))
    }

    /// The deadline of an `acquire(blocking:timeout:)`: a single try when not blocking.
    init(blocking: Bool, timeout: Double?) {
        self.init(timeout: blocking ? timeout : 0)
    }

    /// Whether the deadline has come.
    var hasPassed: Bool {
        guard let uptimeNanoseconds else { return false }
        return Syscalls.monotonicNanoseconds() >= uptimeNanoseconds
    }

    /// The seconds left, 0 once passed; nil for a wait without end.
    var remainingSeconds: Double? {
        guard let uptimeNanoseconds else { return nil }
        let now = Syscalls.monotonicNanoseconds()
        return now >= uptimeNanoseconds ? 0 : Double(uptimeNanoseconds - now) / 1e9
    }
}
