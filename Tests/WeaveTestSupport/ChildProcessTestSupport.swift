#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Multiprocessing

/// Helpers for tests that start real processes.
public enum ChildProcessTestSupport {
    /// Runs `check` in a forked child, which starts single-threaded with this process's
    /// state copied (a logger of its own to set, one-time flags to trip); returns whether
    /// the check held there, or nil when the child failed otherwise (threw, crashed).
    public static func holdsInChild(_ check: @escaping @Sendable () throws -> Bool) throws -> Bool? {
        let child = ChildProcess(startMethod: .fork) { _exit(try check() ? 10 : 11) }
        try child.start()
        try child.join()
        switch child.exitCode {
        case 10: return true
        case 11: return false
        default: return nil
        }
    }

    /// Whether `pid` no longer runs: it does not exist, or it is a zombie waiting for a
    /// parent to reap it (its state in `/proc/<pid>/stat` is Z or X).
    public static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        #if os(Linux)
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return true }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return true }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let close = line.lastIndex(of: ")") else { return false }
        let state = line[line.index(after: close)...].trimmingPrefix(" ").first
        return state == "Z" || state == "X"
        #else
        return false
        #endif
    }

    /// Polls `condition` until it holds or `seconds` pass; returns its last value. For
    /// generous liveness bounds only, never for timing assertions.
    public static func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
        let start = monotonicSeconds()
        while monotonicSeconds() - start < seconds {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }

    /// Whether a file exists at `path`.
    public static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The names in `/dev/shm` that start with `prefix`.
    public static func sharedMemoryNames(withPrefix prefix: String) -> [String] {
        guard let directory = opendir("/dev/shm") else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix) { names.append(name) }
        }
        return names
    }

    private static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
