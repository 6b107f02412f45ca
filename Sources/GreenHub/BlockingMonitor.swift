import CWeaveContext

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Watches a hub from a thread of its own and reports when one greenlet has held the
/// hub's thread longer than a threshold without giving control back — a blocking C call,
/// a busy loop, a file read that should have been `Green.runBlocking { }`.
///
/// Opt-in: `Hub.current.detectBlocking(threshold:report:)`, or the environment variable
/// `WEAVE_BLOCKING_DETECTOR` (milliseconds; `1` means the default 100 ms) for every hub.
final class BlockingMonitor: @unchecked Sendable {
    let thresholdNanoseconds: UInt64
    let report: @Sendable (String) -> Void
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var lastBeat: UInt64
    private var runningName = "hub"
    private var reportedBeat: UInt64 = 0
    private var stopped = false
    /// The hub's thread, to sample where a blocking greenlet is.
    private let hubThread = pthread_self()

    init(threshold: Double, report: @escaping @Sendable (String) -> Void) {
        thresholdNanoseconds = UInt64(max(threshold, 0.001) * 1e9)
        self.report = report
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        lastBeat = Hub.now()
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// A monitor configured by `WEAVE_BLOCKING_DETECTOR`, if it is set.
    static func fromEnvironment() -> BlockingMonitor? {
        guard let raw = getenv("WEAVE_BLOCKING_DETECTOR"), let milliseconds = Double(String(cString: raw)),
            milliseconds > 0
        else { return nil }
        let threshold = milliseconds == 1 ? 0.1 : milliseconds / 1000
        return BlockingMonitor(threshold: threshold, report: BlockingMonitor.writeToStandardError)
    }

    static let writeToStandardError: @Sendable (String) -> Void = { line in
        var bytes = Array((line + "\n").utf8)
        _ = write(2, &bytes, bytes.count)
    }

    /// Records that the hub gave the thread to `record` just now.
    func beat(running record: AnyGreenThread) {
        pthread_mutex_lock(lock)
        lastBeat = Hub.now()
        runningName = record.name
        pthread_mutex_unlock(lock)
    }

    func start() {
        _ = startDetachedThread { self.watch() }
    }

    func stop() {
        pthread_mutex_lock(lock)
        stopped = true
        pthread_mutex_unlock(lock)
    }

    /// The top frames of the hub thread's stack, as "; it was at:" and a frame a line, or
    /// nothing if the sample failed.
    private func whereTheHubThreadIs() -> String {
        guard let raw = weave_sample_thread_backtrace(hubThread) else { return "" }
        defer { free(raw) }
        // The first two frames are the sampling signal's handler and its trampoline.
        let frames = String(cString: raw).split(separator: "\n").dropFirst(2).prefix(12)
        return "; it was at:\n" + frames.map { "    \($0)" }.joined(separator: "\n")
    }

    private func watch() {
        let pause = max(thresholdNanoseconds / 4, 1_000_000)
        while true {
            var interval = timespec(tv_sec: Int(pause / 1_000_000_000), tv_nsec: Int(pause % 1_000_000_000))
            nanosleep(&interval, nil)
            pthread_mutex_lock(lock)
            if stopped {
                pthread_mutex_unlock(lock)
                return
            }
            let now = Hub.now()
            let stalled = now &- lastBeat
            let name = runningName
            let beat = lastBeat
            let shouldReport = name != "hub" && stalled > thresholdNanoseconds && reportedBeat != beat
            if shouldReport {
                reportedBeat = beat
            }
            pthread_mutex_unlock(lock)
            if shouldReport {
                report(
                    "Weave: the hub has not run for \(stalled / 1_000_000) ms: greenlet '\(name)' has held its thread "
                        + "without yielding (a blocking call? wrap it in Green.runBlocking { })"
                        + whereTheHubThreadIs())
            }
        }
    }
}

extension Hub {
    /// Starts reporting, from a monitor thread, every time one greenlet holds this hub's
    /// thread for more than `threshold` seconds without yielding.
    ///
    /// - Parameters:
    ///   - threshold: How long a greenlet may run without yielding (default 100 ms).
    ///   - report: Receives each report; by default it is written to standard error.
    public func detectBlocking(
        threshold: Double = 0.1,
        report: (@Sendable (String) -> Void)? = nil
    ) {
        monitor?.stop()
        let monitor = BlockingMonitor(threshold: threshold, report: report ?? BlockingMonitor.writeToStandardError)
        self.monitor = monitor
        monitor.start()
    }

    /// Stops the blocking detector, if one runs.
    public func stopDetectingBlocking() {
        monitor?.stop()
        monitor = nil
    }
}
