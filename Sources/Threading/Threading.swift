import Logging
import Synchronization

/// Python's `threading` module functions: the calling thread, the main thread, the live
/// threads, their ids, and the logger that reports errors thrown in thread bodies.
///
/// Every member may be used from any thread.
public enum Threading {
    /// The calling thread's handle — `threading.current_thread()`.
    ///
    /// An ``OSThread``'s body sees its thread's `handle`; the main thread sees `MainThread`;
    /// a thread started by other code gets a daemon handle named `Dummy-N` (Python's
    /// `_DummyThread`), kept until it exits.
    public static var currentThread: AnyOSThread { ThreadRegistry.shared.current() }

    /// The process's main thread — `threading.main_thread()`: the thread whose id is the
    /// process id; in a forked child, the thread that forked.
    ///
    /// Its `ident` and `nativeID` are known once the main thread itself has used
    /// `Threading` (every program that starts a thread from `main` has).
    public static var mainThread: AnyOSThread {
        ThreadRegistry.shared.state.withLock { $0.main }
    }

    /// How many threads are alive — `threading.active_count()`: the main thread, started
    /// ``OSThread``s that have not finished, and other threads that asked for their handle.
    public static var activeCount: Int { enumerate().count }

    /// The live threads — `threading.enumerate()`, counted as `activeCount` counts them.
    public static func enumerate() -> [AnyOSThread] {
        ThreadRegistry.shared.activeThreads()
    }

    /// The calling thread's identifier — `threading.get_ident()` (`pthread_self()`).
    public static func getIdent() -> UInt { Syscalls.currentIdent() }

    /// The kernel's id of the calling thread — `threading.get_native_id()` (`gettid()` on
    /// Linux).
    public static var nativeID: UInt64 { Syscalls.nativeThreadID() }

    private static let loggerStorage = Mutex(Logger(label: "weave.threading"))

    /// Where errors thrown by thread bodies are reported — `threading.excepthook`. Each
    /// goes out at `.error` with the metadata `thread.name`, `thread.ident` and `error`.
    /// Labelled `weave.threading`; replace it at any time.
    public static var logger: Logger {
        get { loggerStorage.withLock { $0 } }
        set { loggerStorage.withLock { $0 = newValue } }
    }

    /// Registers `callback` to run at a normal process exit before the non-daemon threads
    /// are joined — Python's `threading._register_atexit`, which thread pools use to let
    /// their idle workers go. Callbacks run in registration order on the exiting thread;
    /// a forked child drops the ones registered before the fork.
    ///
    /// - Returns: A token for `unregisterAtExit(_:)`.
    package static func registerAtExit(_ callback: @escaping @Sendable () -> Void) -> UInt64 {
        ThreadRegistry.shared.registerAtExit(callback)
    }

    /// Drops a callback registered with `registerAtExit(_:)`.
    package static func unregisterAtExit(_ token: UInt64) {
        ThreadRegistry.shared.unregisterAtExit(token)
    }

    /// Reports an error a thread's body threw, as `threading.excepthook` does.
    static func reportUncaught(_ error: any Error, in thread: AnyOSThread) {
        let name = thread.name
        logger.error(
            "Exception in thread \(name): \(error)",
            metadata: [
                "thread.name": "\(name)",
                "thread.ident": "\(thread.ident.map(String.init) ?? "none")",
                "error": "\(error)",
            ])
    }
}
