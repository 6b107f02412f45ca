#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Makes sure no named segment outlives the program that created it (Python's
/// `resource_tracker`, without its spurious warnings).
///
/// The first `SharedMemorySegment.create` forks a small tracker process that ignores
/// SIGINT and SIGTERM and reads register/unregister lines from a pipe. The pipe's write
/// end lives in the creating program and in the children it forks, so the tracker sees
/// the end of the pipe only when all of them are gone — however they ended, SIGKILL
/// included. It then unlinks every segment still registered and exits. Segments are
/// registered only by their creator, so attaching never unlinks someone else's segment.
/// It reports through `Multiprocessing.logger` as it was when the tracker started, at
/// `debug` only: its start, and the segments it unlinked. Leaving the unlinking to the
/// tracker is documented use, so it is no reason for the warnings Python's
/// `resource_tracker` prints.
final class SharedMemoryTracker: @unchecked Sendable {
    private let lock = InProcessLock()
    private var writeEnd: Int32 = -1
    private var owner: Int32 = 0

    static let shared = SharedMemoryTracker()

    /// Records that this program created `name`.
    func register(_ name: String) throws {
        try send("R" + name)
    }

    /// Records that `name` was unlinked.
    func unregister(_ name: String) throws {
        try send("U" + name)
    }

    private func send(_ line: String) throws {
        try lock.withLock {
            if writeEnd < 0 || owner != Syscalls.processID() {
                try startTracker()
            }
            try FrameIO.writeAll(writeEnd, Array((line + "\n").utf8), useSend: false)
        }
    }

    private func startTracker() throws {
        let (readEnd, write) = try Syscalls.makePipe()
        Multiprocessing.warnIfMultithreaded()
        // Read before the fork: the child must not take a lock another thread may hold.
        let logger = Multiprocessing.logger
        Syscalls.flushStandardStreams()
        let pid = try Syscalls.fork()
        if pid == 0 {
            // Standard input, output and error stay open: the tracker logs to them.
            Syscalls.closeDescriptors(except: readEnd)
            Self.runTracker(readEnd, logger: logger)
        }
        Syscalls.closeDescriptor(readEnd)
        writeEnd = write
        owner = Syscalls.processID()
        Multiprocessing.registry.adopt(trackerPid: pid)
        logger.debug(
            "started the shared-memory tracker", metadata: ["pid": "\(owner)", "tracker.pid": "\(pid)"])
    }

    /// Logs, at `debug`, the segments the tracker unlinked because the programs that
    /// created them ended without unlinking them.
    package static func reportUnlinked(_ names: Set<String>, logger: Logger) {
        guard !names.isEmpty else { return }
        logger.debug(
            "unlinked \(names.count) shared-memory segment(s) whose creators ended without unlinking them",
            metadata: ["pid": "\(Syscalls.processID())", "segments": "\(names.sorted().joined(separator: ", "))"])
    }

    /// The tracker's body: collect names until the pipe ends, then unlink the rest.
    private static func runTracker(_ readEnd: Int32, logger: Logger) -> Never {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        var names = Set<String>()
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = (try? chunk.withUnsafeMutableBytes { try Syscalls.read(readEnd, into: $0) }) ?? 0
            if count == 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[0..<newline], as: UTF8.self)
                pending.removeSubrange(0...newline)
                if line.hasPrefix("R") { names.insert(String(line.dropFirst())) }
                if line.hasPrefix("U") { names.remove(String(line.dropFirst())) }
            }
        }
        for name in names { _ = try? Syscalls.unlinkSharedMemory(name) }
        reportUnlinked(names, logger: logger)
        Syscalls.exitImmediately(0)
    }
}
