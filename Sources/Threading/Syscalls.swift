#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CWeaveThreading

// MARK: - The fence
//
// Every system call of the module goes through this file, one thin wrapper each.

/// The system calls the module makes.
enum Syscalls {
    /// Readable text for an errno value (`strerror`).
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }

    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// `pthread_self()` as an integer: Python's `threading.get_ident()`.
    static func currentIdent() -> UInt {
        #if canImport(Glibc)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }

    /// The kernel's id of the calling thread (`gettid()`; `pthread_threadid_np` on Darwin).
    static func nativeThreadID() -> UInt64 { weave_threading_native_id() }

    /// Whether the calling thread is the process's main thread.
    static func isMainThread() -> Bool { weave_threading_is_main_thread() != 0 }

    /// Starts a detached thread running `body` (`pthread_attr_setstacksize`,
    /// `pthread_attr_setdetachstate`, `pthread_create`).
    static func startDetachedThread(stackSize: Int?, _ body: @escaping @Sendable () -> Void) throws {
        final class Start: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize {
            let result = pthread_attr_setstacksize(&attributes, stackSize)
            guard result == 0 else {
                throw ThreadingError(
                    .invalidArgument, errno: result,
                    context: "stackSize \(stackSize): give at least \(sysconf(Int32(_SC_THREAD_STACK_MIN))) bytes")
            }
        }
        let start = Unmanaged.passRetained(Start(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, &attributes, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.body()
            return nil
        }, start)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw ThreadingError(.systemCallFailed, errno: result, context: "pthread_create")
        }
    }

    /// `pthread_key_create(&key, destructor)`: `destructor` runs with the thread's value
    /// when a thread that set one exits.
    static func makeThreadKey(destructor: ThreadKeyDestructor) -> pthread_key_t {
        var key = pthread_key_t()
        let result = pthread_key_create(&key, destructor)
        precondition(result == 0, "pthread_key_create failed with \(result): the process ran out of thread keys")
        return key
    }

    /// `pthread_getspecific(key)`.
    static func threadValue(_ key: pthread_key_t) -> UnsafeMutableRawPointer? {
        pthread_getspecific(key)
    }

    /// `pthread_setspecific(key, value)`.
    static func setThreadValue(_ key: pthread_key_t, _ value: UnsafeMutableRawPointer?) {
        pthread_setspecific(key, value)
    }

    /// `atexit(handler)`: runs at `exit()` and when `main` returns, not at `_exit`.
    static func atExit(_ handler: @convention(c) () -> Void) {
        atexit(handler)
    }

    /// `pthread_atfork(prepare, parent, child)`.
    static func atFork(
        prepare: @convention(c) () -> Void, parent: @convention(c) () -> Void, child: @convention(c) () -> Void
    ) {
        pthread_atfork(prepare, parent, child)
    }
}

/// The C type of a `pthread_key_create` destructor on this platform.
#if canImport(Glibc)
typealias ThreadKeyDestructor = @convention(c) (UnsafeMutableRawPointer?) -> Void
#else
typealias ThreadKeyDestructor = @convention(c) (UnsafeMutableRawPointer) -> Void
#endif
