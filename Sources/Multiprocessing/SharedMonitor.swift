#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Atomics

/// The private primitive under every cross-process synchronisation type: a process-shared,
/// robust `pthread_mutex_t` plus a futex sequence word that acts as its condition variable,
/// and a few 64-bit state slots, all in one `SharedRegion`.
///
/// Layout: the mutex at offset 0, the sequence word at 64, state slots from 128.
final class SharedMonitor: @unchecked Sendable {
    /// How an acquisition of the mutex went.
    enum Acquisition {
        /// The mutex is held.
        case acquired
        /// The mutex is held, and its previous holder died holding it.
        case acquiredFromDeadOwner
        /// The deadline passed first.
        case timedOut
    }

    /// The size of a monitor's region.
    static let regionSize = 4096

    let region: SharedRegion
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let sequence: UnsafeMutablePointer<UInt32>

    /// A monitor over a region that already holds an initialised one (made by
    /// `init(recursive:name:)` in this process or its parent).
    init(attachingTo region: SharedRegion) {
        self.region = region
        mutex = region.base.bindMemory(to: pthread_mutex_t.self, capacity: 1)
        sequence = region.word(at: 64)
    }

    /// Creates a monitor; `recursive` lets the holding thread lock it again.
    convenience init(recursive: Bool = false, name: String) throws {
        self.init(attachingTo: try SharedRegion(size: Self.regionSize, name: name))
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        defer { pthread_mutexattr_destroy(&attributes) }
        pthread_mutexattr_setpshared(&attributes, Int32(PTHREAD_PROCESS_SHARED))
        pthread_mutexattr_settype(&attributes, Int32(recursive ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_ERRORCHECK))
        #if os(Linux)
        pthread_mutexattr_setrobust(&attributes, Int32(PTHREAD_MUTEX_ROBUST))
        #endif
        let result = pthread_mutex_init(mutex, &attributes)
        if result != 0 {
            throw MultiprocessingError(.systemCallFailed, errno: result, context: "pthread_mutex_init")
        }
    }

    /// The 64-bit state slot number `index` (0 to 15), read and written under the mutex.
    func slot(_ index: Int) -> UnsafeMutablePointer<Int64> {
        precondition((0..<16).contains(index), "SharedMonitor has 16 slots")
        return region.slot(at: 128 + 8 * index)
    }

    /// Locks the mutex (`pthread_mutex_lock`, or `pthread_mutex_timedlock` with a deadline
    /// on the monotonic clock), recovering it with `pthread_mutex_consistent` when its
    /// holder died.
    func lock(deadline: Double? = nil) throws -> Acquisition {
        while true {
            let result: Int32
            if let deadline {
                let remaining = deadline - Syscalls.monotonicSeconds()
                if remaining <= 0 {
                    result = pthread_mutex_trylock(mutex)
                    if result == EBUSY { return .timedOut }
                } else {
                    var now = timespec()
                    clock_gettime(CLOCK_REALTIME, &now)
                    let target = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + remaining
                    var absolute = timespec(
                        tv_sec: Int(target), tv_nsec: Int((target - Double(Int(target))) * 1e9))
                    result = pthread_mutex_timedlock(mutex, &absolute)
                    if result == ETIMEDOUT { continue }
                }
            } else {
                result = pthread_mutex_lock(mutex)
            }
            switch result {
            case 0: return .acquired
            case EINTR: continue
            #if os(Linux)
            case EOWNERDEAD:
                pthread_mutex_consistent(mutex)
                return .acquiredFromDeadOwner
            #endif
            case EDEADLK:
                throw MultiprocessingError(.invalidArgument, errno: result, context: "the calling thread already holds this lock")
            default:
                throw MultiprocessingError(.systemCallFailed, errno: result, context: "pthread_mutex_lock")
            }
        }
    }

    /// Locks the mutex for a short internal critical section; a dead previous holder is
    /// harmless there because every update under it is a single store.
    func lockInternal(deadline: Double? = nil) throws -> Bool {
        try lock(deadline: deadline) != .timedOut
    }

    /// Unlocks the mutex (`pthread_mutex_unlock`); throws `.notOwner` when the caller does not
    /// hold it.
    func unlock() throws {
        let result = pthread_mutex_unlock(mutex)
        if result == EPERM { throw MultiprocessingError(.notOwner) }
        if result != 0 { throw MultiprocessingError(.systemCallFailed, errno: result, context: "pthread_mutex_unlock") }
    }

    /// Releases the mutex, sleeps until `signal()` or the deadline, and locks it again,
    /// like `pthread_cond_timedwait`. Returns false when the deadline has passed. Callers
    /// re-check their condition in a loop: wake-ups may be spurious.
    func wait(deadline: Double?) throws -> Bool {
        let atomicSequence = UnsafeAtomic<UInt32>(at: UnsafeMutablePointer(OpaquePointer(sequence)))
        let seen = atomicSequence.load(ordering: .acquiring)
        try unlock()
        var remaining: Double? = nil
        if let deadline {
            remaining = deadline - Syscalls.monotonicSeconds()
        }
        if remaining.map({ $0 > 0 }) ?? true {
            Syscalls.waitOnWord(sequence, expected: seen, timeout: remaining)
        }
        _ = try lock()
        if let deadline { return Syscalls.monotonicSeconds() < deadline }
        return true
    }

    /// Wakes every process sleeping in `wait`. Call it with the mutex held.
    func signal() {
        let atomicSequence = UnsafeAtomic<UInt32>(at: UnsafeMutablePointer(OpaquePointer(sequence)))
        atomicSequence.wrappingIncrement(ordering: .releasing)
        Syscalls.wakeAllOnWord(sequence)
    }
}

/// A deadline on the monotonic clock `timeout` seconds from now; nil for no timeout.
func deadline(after timeout: Double?) -> Double? {
    timeout.map { Syscalls.monotonicSeconds() + max(0, $0) }
}
