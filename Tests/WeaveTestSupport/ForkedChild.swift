#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a forked child left behind: how it ended and what it wrote to standard error.
public struct ForkedChildOutcome: Sendable {
    /// The exit status when it exited normally.
    public var exitStatus: Int32?
    /// The signal that ended it, if one did.
    public var signal: Int32?
    /// Everything it wrote to file descriptor 2.
    public var standardError: String
}

/// Forks, runs `body` in the child with its standard error captured, and waits for it.
///
/// The child ends with `_exit(0)` if `body` returns. Only the forking thread exists in the
/// child: `body` must not use locks or threads inherited from the test process.
public func runInForkedChild(_ body: () -> Void) -> ForkedChildOutcome {
    var fds: [Int32] = [0, 0]
    precondition(pipe(&fds) == 0, "pipe failed")
    let pid = fork()
    precondition(pid >= 0, "fork failed")
    if pid == 0 {
        close(fds[0])
        dup2(fds[1], 2)
        body()
        _exit(0)
    }
    close(fds[1])
    let output = drainAndClose(fds[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let termination = status & 0x7f
    return ForkedChildOutcome(
        exitStatus: termination == 0 ? (status >> 8) & 0xff : nil,
        signal: termination != 0 && termination != 0x7f ? termination : nil,
        standardError: String(decoding: output, as: UTF8.self)
    )
}
