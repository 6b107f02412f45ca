#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CWeaveProcess

// MARK: - The fence
//
// Every system call of the module goes through this file. `retrying` retries EINTR in one
// place and turns errno into a `MultiprocessingError`; would-block and timeouts come back as
// values, not errors, where callers expect them.

/// Turns an errno value into readable text (`strerror`).
enum SystemErrorText {
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}

/// Reads errno right after a failed call; kept out of line so nothing runs in between.
@inline(never)
func currentErrno() -> Int32 { errno }

/// Runs `call` until it does not fail with EINTR; a -1 result becomes a thrown error.
@inline(never)
func retrying<Result: FixedWidthInteger>(
    _ name: @autoclosure () -> String, _ call: () -> Result
) throws -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = currentErrno()
        if code == EINTR { continue }
        throw MultiprocessingError(.systemCallFailed, errno: code, context: name())
    }
}

/// The system calls the module makes, one thin wrapper each. The socket calls other
/// modules of the package need (`Syscalls+Sockets.swift`) are `package`.
package enum Syscalls {
    // MARK: Processes

    /// `fork()`, with the child's SIGTERM at its default action (see
    /// `weave_process_fork_with_default_signals`).
    static func fork() throws -> pid_t {
        try retrying("fork()") { weave_process_fork_with_default_signals() }
    }

    /// `_exit(code)`: leaves a forked child without running the parent's exit handlers.
    /// The shim calls `_exit` through its load-time-bound address, so the child does not
    /// pay for a lazy symbol lookup the parent never made.
    static func exitImmediately(_ code: Int32) -> Never {
        weave_process_exit_immediately(code)
    }

    /// `waitpid(pid, &status, WNOHANG or 0)`: the raw status once `pid` has ended, or nil
    /// while it still runs (only with `block == false`).
    static func waitForExit(_ pid: pid_t, block: Bool) throws -> Int32? {
        var status: Int32 = 0
        let result = try retrying("waitpid(\(pid))") { waitpid(pid, &status, block ? 0 : WNOHANG) }
        return result == 0 ? nil : status
    }

    /// `kill(pid, signal)`; returns false when the process no longer exists (ESRCH).
    @discardableResult
    static func sendSignal(_ signal: Int32, to pid: pid_t) throws -> Bool {
        #if canImport(Glibc)
        let result = Glibc.kill(pid, signal)
        #else
        let result = Darwin.kill(pid, signal)
        #endif
        if result == 0 { return true }
        let code = currentErrno()
        if code == ESRCH { return false }
        if code == EPERM { return true }
        throw MultiprocessingError(.systemCallFailed, errno: code, context: "kill(\(pid), \(signal))")
    }

    /// `getpid()`.
    static func processID() -> pid_t { getpid() }

    /// `getppid()`.
    static func parentProcessID() -> pid_t { getppid() }

    /// `prctl(PR_SET_PDEATHSIG, signal)` on Linux; false where the kernel has no such call.
    static func setParentDeathSignal(_ signal: Int32) -> Bool {
        weave_process_set_parent_death_signal(signal) == 0
    }

    /// `pidfd_open(pid)` on Linux; nil where unavailable.
    static func openProcessDescriptor(_ pid: pid_t) -> Int32? {
        let descriptor = weave_process_pidfd_open(pid)
        return descriptor >= 0 ? descriptor : nil
    }

    /// `sysconf(_SC_NPROCESSORS_ONLN)`.
    static func onlineProcessorCount() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Whether the calling thread runs a Weave hub (`weave_process_mark_thread_unforkable`).
    static func threadIsUnforkable() -> Bool {
        weave_process_thread_is_unforkable() != 0
    }

    /// Whether this process has never started a second thread (glibc's
    /// `__libc_single_threaded`); false when the C library does not say. It is a load, not
    /// a system call, so the common single-threaded fork skips counting threads.
    static func neverStartedThreads() -> Bool {
        weave_process_never_threaded() != 0
    }

    /// The number of threads in this process, counted in `/proc/self/task` (`opendir`,
    /// `readdir`); nil where the system does not say.
    static func threadCount() -> Int? {
        #if os(Linux)
        guard let directory = opendir("/proc/self/task") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count
        #else
        return nil
        #endif
    }

    /// `fflush(NULL)`: pushes out buffered standard output before a fork, so the child does
    /// not print it a second time.
    static func flushStandardStreams() {
        fflush(nil)
    }

    /// Writes `text` to standard error in one `write` call.
    static func writeToStandardError(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in _ = try? write(2, from: UnsafeRawBufferPointer(buffer)) }
    }

    /// The environment of this process (`environ`), as `NAME=value` strings.
    static func environment() -> [String] {
        #if canImport(Glibc)
        var cursor = Glibc.environ
        #else
        var cursor = Darwin.environ
        #endif
        var result: [String] = []
        while let entry = cursor.pointee {
            result.append(String(cString: entry))
            cursor += 1
        }
        return result
    }

    /// `getenv(name)`.
    static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// `unsetenv(name)`.
    static func removeEnvironmentValue(_ name: String) {
        unsetenv(name)
    }

    /// `exit(code)`: runs exit handlers (joining this process's own children) and flushes
    /// standard streams.
    static func exitProcess(_ code: Int32) -> Never {
        exit(code)
    }

    /// `sched_yield()`.
    static func yieldProcessor() { sched_yield() }

    /// `nanosleep` for `seconds`, resumed after signals.
    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && currentErrno() == EINTR { request = remaining }
    }

    /// `clock_gettime(CLOCK_MONOTONIC)` in seconds.
    package static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// `posix_spawn(executable, arguments, environment)` keeping `inherited` descriptors open
    /// in the child (`posix_spawn_file_actions_adddup2(fd, fd)` clears their close-on-exec).
    static func spawnProgram(
        _ executable: String, arguments: [String], environment: [String], inherited: [Int32]
    ) throws -> pid_t {
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        #endif
        try check("posix_spawn_file_actions_init", posix_spawn_file_actions_init(&actions))
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in inherited {
            try check("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, descriptor, descriptor))
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // SIGTERM at its default action in the child, whatever this process does with it,
        // so that terminate() ends the child.
        #if canImport(Glibc)
        var attributes = posix_spawnattr_t()
        #else
        var attributes: posix_spawnattr_t? = nil
        #endif
        try check("posix_spawnattr_init", posix_spawnattr_init(&attributes))
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        try check("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&attributes, &defaults))
        try check("posix_spawnattr_setflags", posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF)))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        try check("posix_spawn(\(executable))", result)
        return pid
    }

    private static func check(_ name: String, _ result: Int32) throws {
        if result != 0 { throw MultiprocessingError(.systemCallFailed, errno: result, context: name) }
    }

    // MARK: Descriptors

    /// `pipe()` with close-on-exec set on both ends: (read end, write end).
    package static func makePipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        _ = try retrying("pipe()") { pipe(&descriptors) }
        try setCloseOnExec(descriptors[0])
        try setCloseOnExec(descriptors[1])
        return (descriptors[0], descriptors[1])
    }

    /// `pipe()` with close-on-exec and `O_NONBLOCK` on both ends, for wake-ups.
    static func makeNonBlockingPipe() throws -> (read: Int32, write: Int32) {
        let ends = try makePipe()
        for descriptor in [ends.read, ends.write] {
            let flags = try retrying("fcntl(F_GETFL)") { fcntl(descriptor, F_GETFL) }
            _ = try retrying("fcntl(F_SETFL)") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
        }
        return ends
    }

    /// Writes one byte to a non-blocking pipe; a full pipe already holds a wake-up.
    static func writeByte(_ descriptor: Int32) {
        var byte: UInt8 = 1
        _ = withUnsafeBytes(of: &byte) { try? write(descriptor, from: $0) }
    }

    /// Reads a non-blocking pipe empty.
    static func drain(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 256)
        while (buffer.withUnsafeMutableBytes { (try? read(descriptor, into: $0)) ?? 0 }) > 0 {}
    }

    /// `socketpair(AF_UNIX, SOCK_STREAM)` with close-on-exec set on both ends.
    static func makeSocketPair() throws -> (Int32, Int32) {
        var descriptors: [Int32] = [0, 0]
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        _ = try retrying("socketpair()") { socketpair(AF_UNIX, streamType, 0, &descriptors) }
        try setCloseOnExec(descriptors[0])
        try setCloseOnExec(descriptors[1])
        return (descriptors[0], descriptors[1])
    }

    /// `fcntl(fd, F_SETFD, FD_CLOEXEC)`.
    static func setCloseOnExec(_ descriptor: Int32) throws {
        _ = try retrying("fcntl(F_SETFD)") { fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    }

    /// `send(fd, buffer, count, MSG_NOSIGNAL)`: like `write` on a socket, but a closed peer
    /// gives EPIPE instead of killing the process with SIGPIPE.
    static func send(_ descriptor: Int32, from buffer: UnsafeRawBufferPointer) throws -> Int {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        #if canImport(Glibc)
        return try retrying("send()") { Glibc.send(descriptor, buffer.baseAddress, buffer.count, flags) }
        #else
        return try retrying("send()") { Darwin.send(descriptor, buffer.baseAddress, buffer.count, flags) }
        #endif
    }

    /// `sendmsg(fd, [first, second], MSG_NOSIGNAL)`: `send` of two buffers in one call, so a
    /// frame's header and payload leave together without being copied into one buffer.
    static func send(
        _ descriptor: Int32, from first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer
    ) throws -> Int {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        return try withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { vectors in
            vectors[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count)
            vectors[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
            var message = msghdr()
            message.msg_iov = vectors.baseAddress
            message.msg_iovlen = 2
            return try retrying("sendmsg()") { sendmsg(descriptor, &message, flags) }
        }
    }

    /// `recv(fd, buffer, count, MSG_WAITALL)`: the bytes read, 0 at end of stream. The
    /// kernel keeps filling `buffer` until it is full, so a big message arrives in one call
    /// instead of one per chunk the sender's socket buffer let through. Fewer bytes come
    /// back only at end of stream or after a signal.
    static func receiveAll(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let flags = Int32(MSG_WAITALL)
        #if canImport(Glibc)
        return try retrying("recv()") { Glibc.recv(descriptor, buffer.baseAddress, buffer.count, flags) }
        #else
        return try retrying("recv()") { Darwin.recv(descriptor, buffer.baseAddress, buffer.count, flags) }
        #endif
    }

    /// `setsockopt(SO_SNDBUF / SO_RCVBUF)`: a best effort to let big messages through in
    /// fewer round trips.
    static func growSocketBuffers(_ descriptor: Int32, to bytes: Int32) {
        var size = bytes
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// `shutdown(fd, SHUT_WR or SHUT_RD)`.
    static func shutdown(_ descriptor: Int32, writing: Bool) {
        #if canImport(Glibc)
        _ = Glibc.shutdown(descriptor, Int32(writing ? SHUT_WR : SHUT_RD))
        #else
        _ = Darwin.shutdown(descriptor, writing ? SHUT_WR : SHUT_RD)
        #endif
    }

    /// Closes every descriptor from 3 up except `kept` (`close_range` on Linux, a loop
    /// elsewhere), so a helper process does not hold other pipes open.
    static func closeDescriptors(except kept: Int32) {
        weave_process_close_descriptors_except(kept)
    }

    /// `close(fd)`; EINTR is not retried because the descriptor is gone either way.
    package static func closeDescriptor(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    /// `read(fd, buffer, count)`: the bytes read, 0 at end of file.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        #if canImport(Glibc)
        try retrying("read()") { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
        #else
        try retrying("read()") { Darwin.read(descriptor, buffer.baseAddress, buffer.count) }
        #endif
    }

    /// `write(fd, buffer, count)`: the bytes written.
    static func write(_ descriptor: Int32, from buffer: UnsafeRawBufferPointer) throws -> Int {
        #if canImport(Glibc)
        try retrying("write()") { Glibc.write(descriptor, buffer.baseAddress, buffer.count) }
        #else
        try retrying("write()") { Darwin.write(descriptor, buffer.baseAddress, buffer.count) }
        #endif
    }

    /// `poll({fd, POLLIN})`: whether `descriptor` is readable (or at end of file) within
    /// `timeout` seconds; nil waits for ever.
    static func waitReadable(_ descriptor: Int32, timeout: Double?) throws -> Bool {
        let deadline = timeout.map { monotonicSeconds() + max(0, $0) }
        while true {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds: Int32
            if let deadline {
                milliseconds = Int32(clamping: Int((max(0, deadline - monotonicSeconds()) * 1000).rounded(.up)))
            } else {
                milliseconds = -1
            }
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 {
                if let deadline, monotonicSeconds() < deadline { continue }
                return false
            }
            let code = currentErrno()
            if code == EINTR { continue }
            throw MultiprocessingError(.systemCallFailed, errno: code, context: "poll()")
        }
    }

    /// `poll(entries, timeout)` over many descriptors: how many entries have events; 0 when `timeout` seconds
    /// (nil: for ever) passed first. EINTR counts as no event.
    static func pollDescriptors(_ entries: inout [pollfd], timeout: Double?) throws -> Int {
        let milliseconds = timeout.map { Int32(clamping: Int((max(0, $0) * 1000).rounded(.up))) } ?? -1
        let ready = entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), milliseconds) }
        if ready >= 0 { return Int(ready) }
        let code = currentErrno()
        if code == EINTR { return 0 }
        throw MultiprocessingError(.systemCallFailed, errno: code, context: "poll()")
    }

    /// `send(fd, buffer, count, MSG_DONTWAIT | MSG_NOSIGNAL)`: the bytes the socket took
    /// now, 0 when it is full.
    static func sendAvailable(_ descriptor: Int32, from buffer: UnsafeRawBufferPointer) throws -> Int {
        #if os(Linux)
        let flags = Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)
        #else
        let flags = Int32(MSG_DONTWAIT)
        #endif
        while true {
            #if canImport(Glibc)
            let result = Glibc.send(descriptor, buffer.baseAddress, buffer.count, flags)
            #else
            let result = Darwin.send(descriptor, buffer.baseAddress, buffer.count, flags)
            #endif
            if result >= 0 { return result }
            let code = currentErrno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return 0 }
            throw MultiprocessingError(.systemCallFailed, errno: code, context: "send()")
        }
    }

    /// `recv(fd, buffer, count, MSG_DONTWAIT)`: the bytes read now, 0 at end of stream, nil
    /// when none are waiting.
    static func receiveAvailable(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            let result = recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if result >= 0 { return result }
            let code = currentErrno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw MultiprocessingError(.systemCallFailed, errno: code, context: "recv()")
        }
    }

    // MARK: Shared memory

    /// `memfd_create(name)` on Linux; elsewhere `shm_open` of a unique name, unlinked at once.
    static func makeAnonymousSharedFile(name: String, size: Int) throws -> Int32 {
        var descriptor = weave_process_memfd_create(name)
        if descriptor < 0 {
            let unique = "/weave-anon-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            descriptor = try openSharedMemory(unique, create: true, exclusive: true)
            _ = shm_unlink(unique)
        }
        _ = try retrying("ftruncate(\(size))") { ftruncate(descriptor, off_t(size)) }
        return descriptor
    }

    /// `shm_open(name, O_RDWR | O_CREAT [| O_EXCL], 0600)`.
    static func openSharedMemory(_ name: String, create: Bool, exclusive: Bool) throws -> Int32 {
        var flags = O_RDWR
        if create { flags |= O_CREAT }
        if exclusive { flags |= O_EXCL }
        let descriptor = try retrying("shm_open(\(name))") { shm_open(name, flags, 0o600) }
        try setCloseOnExec(descriptor)
        return descriptor
    }

    /// `shm_unlink(name)`; false when the name was already gone (ENOENT).
    @discardableResult
    static func unlinkSharedMemory(_ name: String) throws -> Bool {
        if shm_unlink(name) == 0 { return true }
        let code = currentErrno()
        if code == ENOENT { return false }
        throw MultiprocessingError(.systemCallFailed, errno: code, context: "shm_unlink(\(name))")
    }

    /// `ftruncate(fd, size)`.
    static func resize(_ descriptor: Int32, to size: Int) throws {
        _ = try retrying("ftruncate(\(size))") { ftruncate(descriptor, off_t(size)) }
    }

    /// `fstat(fd).st_size`.
    static func fileSize(_ descriptor: Int32) throws -> Int {
        var info = stat()
        _ = try retrying("fstat()") { fstat(descriptor, &info) }
        return Int(info.st_size)
    }

    /// `mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED [| MAP_NORESERVE], fd, 0)`.
    static func mapShared(_ descriptor: Int32, size: Int) throws -> UnsafeMutableRawPointer {
        #if os(Linux)
        let flags = MAP_SHARED | MAP_NORESERVE
        #else
        let flags = MAP_SHARED
        #endif
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, flags, descriptor, 0),
            address != MAP_FAILED
        else {
            throw MultiprocessingError(.systemCallFailed, errno: currentErrno(), context: "mmap(\(size))")
        }
        return address
    }

    /// `munmap(address, size)`.
    static func unmap(_ address: UnsafeMutableRawPointer, size: Int) {
        _ = munmap(address, size)
    }

    /// `fallocate(PUNCH_HOLE)`: gives the pages of a consumed range back to the system.
    static func releasePages(_ descriptor: Int32, offset: Int, length: Int) {
        _ = weave_process_punch_hole(descriptor, Int64(offset), Int64(length))
    }

    // MARK: Futexes

    /// Sleeps while the shared word still holds `expected`, at most `timeout` seconds
    /// (`futex(FUTEX_WAIT)`); elsewhere a short sleep. Spurious wake-ups are allowed.
    static func waitOnWord(_ word: UnsafeMutablePointer<UInt32>, expected: UInt32, timeout: Double?) {
        let nanoseconds = timeout.map { Int64(max(0, $0) * 1e9) } ?? -1
        if weave_process_futex_wait(word, expected, nanoseconds) == -1 && currentErrno() == ENOSYS {
            sleep(seconds: min(timeout ?? 0.001, 0.001))
        }
    }

    /// Wakes every process sleeping on the shared word (`futex(FUTEX_WAKE)`).
    static func wakeAllOnWord(_ word: UnsafeMutablePointer<UInt32>) {
        _ = weave_process_futex_wake(word, Int32.max)
    }
}
