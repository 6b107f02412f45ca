import Weave

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tour {
    /// Source program 3: four green threads with staggered sleeps. The lines come out in
    /// time order and the whole run takes as long as the longest chain (14 s), not the sum
    /// of all the sleeps (46 s).
    ///
    /// ```python
    /// import gevent, time
    /// def worker(name, delays):
    ///     elapsed = 0
    ///     for delay in delays:
    ///         gevent.sleep(delay)
    ///         elapsed += delay
    ///         print(f"{name}: slept {delay} s, {elapsed} s in")
    /// start = time.time()
    /// gevent.joinall([
    ///     gevent.spawn(worker, "download", [2, 4, 8]),
    ///     gevent.spawn(worker, "parse", [3, 4, 4]),
    ///     gevent.spawn(worker, "index", [1, 4, 5]),
    ///     gevent.spawn(worker, "report", [4, 4, 4]),
    /// ])
    /// print(f"total: {time.time() - start:.1f} s")
    /// ```
    public func staggeredSleeps() throws {
        let scale = timeScale
        let emit = self.emit
        func worker(_ name: String, _ delays: [Int]) -> () throws -> Void {
            {
                var elapsed = 0
                for delay in delays {
                    try Green.sleep(Double(delay) * scale)
                    elapsed += delay
                    emit("\(name): slept \(delay) s, \(elapsed) s in")
                }
            }
        }
        let start = Tour.monotonicSeconds()
        try Green.joinAll([
            Green.spawn(name: "download", worker("download", [2, 4, 8])),
            Green.spawn(name: "parse", worker("parse", [3, 4, 4])),
            Green.spawn(name: "index", worker("index", [1, 4, 5])),
            Green.spawn(name: "report", worker("report", [4, 4, 4])),
        ])
        let total = (Tour.monotonicSeconds() - start) / scale
        emit("total: \((total * 10).rounded() / 10) s (the longest chain is 14 s; all the sleeps add up to 46 s)")
    }

    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
