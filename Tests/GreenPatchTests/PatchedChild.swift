import GreenHub
import GreenPatch
import Multiprocessing
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` in a forked child that calls `GreenPatch.patchAll()` first, so that the
/// patched state never reaches the other tests of this process; returns the lines the
/// child reported (a thrown error comes back as a line `error: ...`).
func runPatched(_ body: @escaping @Sendable () throws -> [String]) throws -> [String] {
    try runInChild(patched: true, body)
}

/// Runs `body` in a forked child, patched or not, and returns the lines it reported.
func runInChild(
    patched: Bool, timeout: Double = 60, _ body: @escaping @Sendable () throws -> [String]
) throws -> [String] {
    Multiprocessing.warnsOnMultithreadedFork = false
    let report = try ProcessQueue<[String]>()
    let child = ChildProcess(name: patched ? "patched-child" : "unpatched-child") {
        if patched { GreenPatch.patchAll() }
        let lines: [String]
        do {
            lines = try body()
        } catch {
            lines = ["error: \(error)"]
        }
        try report.put(lines)
    }
    try child.start()
    let lines = try report.get(timeout: timeout)
    XCTAssertTrue(try child.join(timeout: 10))
    XCTAssertEqual(child.exitCode, 0)
    return lines
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Runs `body` and returns how many seconds it took.
func elapsedSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = monotonicSeconds()
    try body()
    return monotonicSeconds() - start
}

/// A green thread that counts its turns every `interval` seconds until stopped: proof that
/// the hub kept running other greenlets while one waited in a hooked call.
final class Ticker {
    private(set) var ticks = 0
    private var running = true
    private var thread: GreenThread<Void>?

    init(interval: Double = 0.01) {
        thread = Green.spawn { [unowned self] in
            while self.running {
                try Green.sleep(interval)
                self.ticks += 1
            }
        }
    }

    /// Stops the ticker and returns its count.
    func stop() throws -> Int {
        running = false
        try thread?.get()
        return ticks
    }
}

/// A green thread that writes the byte `value` to `fd` after 0.05 s: what another greenlet
/// waits for.
func spawnLateWrite(of value: UInt8, to fd: Int32) -> GreenThread<Void> {
    Green.spawn {
        try Green.sleep(0.05)
        var byte = value
        _ = write(fd, &byte, 1)
    }
}

/// A pipe's two ends: (read, write).
func makePipe() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    precondition(pipe(&fds) == 0, "pipe failed")
    return (fds[0], fds[1])
}

/// A connected pair of Unix stream sockets.
func makeSocketPair() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0, "socketpair failed")
    return (fds[0], fds[1])
}

/// Makes `fd` non-blocking, as its owner.
func makeNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    precondition(fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0, "fcntl failed")
}

/// What a C call returned with its errno, as one line: "-1 EAGAIN" style for failures.
func outcome(_ result: Int, _ error: Int32) -> String {
    guard result < 0 else { return "\(result)" }
    let names: [Int32: String] = [
        EAGAIN: "EAGAIN", EINTR: "EINTR", EBADF: "EBADF", EINVAL: "EINVAL", EINPROGRESS: "EINPROGRESS",
        ECONNREFUSED: "ECONNREFUSED", ENOTSOCK: "ENOTSOCK",
    ]
    return "\(result) \(names[error] ?? "errno \(error)")"
}
