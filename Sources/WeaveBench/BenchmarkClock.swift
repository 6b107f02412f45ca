#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timing and memory probes shared by the suites.
public enum BenchmarkClock {
    /// Monotonic time in nanoseconds.
    @inline(__always)
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Runs `body` once and returns the elapsed nanoseconds.
    public static func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return Double(now() - start)
    }

    /// Runs `body(iterations)` a few times and returns the best time per iteration, in
    /// nanoseconds. Taking the best of several rounds filters out a noisy neighbour.
    public static func bestNanosecondsPerIteration(
        iterations: Int, rounds: Int = 5, _ body: (Int) throws -> Void
    ) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let elapsed = try measure { try body(iterations) }
            best = min(best, elapsed / Double(iterations))
        }
        return best
    }

    /// The peak resident set size of this process so far, in megabytes
    /// (`getrusage(RUSAGE_SELF).ru_maxrss`).
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #endif
    }
}
