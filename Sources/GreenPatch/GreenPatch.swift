import CWeavePatch
import Logging

/// Weave's `monkey.patch_all()`: after one call, blocking libc calls made by greenlets wait
/// cooperatively, so unchanged blocking C libraries (libcurl's easy API, libpq, a vendor
/// SDK) and Glibc's own `sleep` or `read` run concurrently on one hub.
///
/// Make ``patchAll()`` the first line of `main`:
///
/// ```swift
/// import GreenPatch
/// GreenPatch.patchAll()
/// ```
///
/// Once it is on, a call to `sleep`, `usleep`, `nanosleep`, `clock_nanosleep`, `read`,
/// `readv`, `recv`, `recvfrom`, `recvmsg`, `write`, `writev`, `send`, `sendto`, `sendmsg`,
/// `connect`, `accept`, `accept4`, `poll`, `ppoll` (without a signal mask), `select` or
/// `getaddrinfo` (or the fortified `__read_chk`, `__recv_chk`, `__recvfrom_chk`,
/// `__poll_chk`) made by a greenlet on a thread that has a hub parks only that greenlet
/// (name lookups run on the blocking pool); the hub runs the others meanwhile. Calls from
/// other threads, from the hub itself (NIO's callbacks), on descriptors their owner made
/// non-blocking, and with `MSG_DONTWAIT` pass straight through. `fcntl(F_GETFL)` still
/// shows the owner's mode, `SO_RCVTIMEO` and `SO_SNDTIMEO` still end a wait with `EAGAIN`
/// (`EINPROGRESS` for `connect`), and `errno` is what the unpatched call would leave.
///
/// Only an executable that links this module has the hooks (the C target `CWeavePatch`
/// defines the functions and reaches glibc's through `dlsym(RTLD_NEXT, ...)`). Shared
/// libraries reach them when the executable exports the names: see ``isExported(_:)``.
public enum GreenPatch {
    static let logger = Logger(label: "weave.greenpatch")

    /// Turns the hooks on for the whole process — gevent's `monkey.patch_all()`.
    ///
    /// Call it once, first in `main`, before greenlets make blocking calls; calling it
    /// again does nothing more. There is no way back (as with gevent). Any thread may call
    /// it. Wraps the C function `weave_patch_enable`.
    public static func patchAll() {
        guard weave_patch_is_enabled() == 0 else { return }
        var callbacks = CooperativeWaits.callbacks
        weave_patch_enable(&callbacks)
        let unexported = hookedFunctionNames.filter { weave_patch_hook_is_visible($0) != 1 }
        logger.debug(
            "libc calls made by greenlets now wait cooperatively",
            metadata: ["not exported to shared libraries": "\(unexported.joined(separator: ", "))"])
    }

    /// Whether ``patchAll()`` has been called in this process. Any thread may read it.
    public static var isPatched: Bool {
        weave_patch_is_enabled() != 0
    }

    /// The libc functions this module hooks, in the order the README lists them.
    public static let hookedFunctionNames = [
        "sleep", "usleep", "nanosleep", "clock_nanosleep",
        "read", "readv", "recv", "recvfrom", "recvmsg",
        "write", "writev", "send", "sendto", "sendmsg",
        "connect", "accept", "accept4",
        "poll", "ppoll", "select",
        "getaddrinfo",
        "fcntl", "fcntl64",
        "__read_chk", "__recv_chk", "__recvfrom_chk", "__poll_chk",
    ]

    /// Whether calls to `functionName` from shared libraries reach this executable's hook:
    /// the executable exports the name in its dynamic symbol table (what `nm -D` lists).
    /// The linker exports a hook when a shared library in the link calls that function
    /// (linking libcurl exports `recv`, `poll`, `connect` and the rest it uses); link with
    /// `-Xlinker --export-dynamic` to export them all, also for libraries loaded with
    /// `dlopen`. Calls from the executable's own code are hooked either way.
    ///
    /// Any thread may call it. Wraps `weave_patch_hook_is_visible` (`dlsym(RTLD_DEFAULT)`).
    /// - Throws: ``GreenPatchError`` (`.notHooked`) when `functionName` is not one of
    ///   ``hookedFunctionNames``.
    public static func isExported(_ functionName: String) throws -> Bool {
        switch weave_patch_hook_is_visible(functionName) {
        case 1: return true
        case 0: return false
        default:
            throw GreenPatchError(
                .notHooked,
                "GreenPatch does not hook \(functionName); the hooked functions are \(hookedFunctionNames.joined(separator: ", "))")
        }
    }
}
