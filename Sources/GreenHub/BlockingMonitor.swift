import CWeaveContext
import Logging
import Metrics
import WeaveDurations

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Watches a hub from a thread of its own and reports when one greenlet has held the
/// hub's thread longer than a threshold without giving control back — a blocking C call,
/// a busy loop, a file read that should have been `Green.runBlocking { }`.
///
/// Opt-in: `Hub.current.detectBlocking(threshold:logger:)`, or the environment variable
/// `WEAVE_BLOCKING_DETECTOR` (milliseconds; `1` means the default 100 ms) for every hub.
///
/// Each stall is logged at `warning` and its length recorded in the swift-metrics timer
/// `weave_hub_blocking_stall` (dimension `greenlet`).
final class BlockingMonitor: @unchecked Sendable {
    let thresholdNanoseconds: UInt64
    let logger: Logger
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var lastBeat: UInt64
    private var runningName = "hub"
    private var reportedBeat: UInt64 = 0
    private var stopped = false
    /// The hub's thread, to sample where a blocking greenlet is.
    private let hubThread = pthread_self()

    init(threshold: Double, logger: Logger) {
        thresholdNanoseconds = UInt64(max(threshold, 0.001) * 1e9)
        self.logger = logger
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
        return BlockingMonitor(threshold: threshold, logger: Logger(label: "weave.hub.blocking"))
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

    /// The top frames of the hub thread's stack, a frame a line, or `nil` if the sample
    /// failed.
    private func whereTheHubThreadIs() -> String? {
        guard let raw = weave_sample_thread_backtrace(hubThread) else { return nil }
        defer { free(raw) }
        // The first two frames are the sampling signal's handler and its trampoline.
        let frames = String(cString: raw).split(separator: "\n").dropFirst(2).prefix(12)
        return frames.joined(separator: "\n")
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
                var metadata: Logger.Metadata = ["greenlet": "\(name)", "stalled_ms": "\(stalled / 1_000_000)"]
                metadata["backtrace"] = whereTheHubThreadIs().map { "\($0)" }
                logger.warning(
                    """
                    the hub has not run for \(stalled / 1_000_000) ms: greenlet '\(name)' has held its thread \
                    without yielding (a blocking call? wrap it in Green.runBlocking { })
                    """,
                    metadata: metadata)
                Metrics.Timer(label: "weave_hub_blocking_stall", dimensions: [("greenlet", name)])
                    .recordNanoseconds(Int64(stalled))
            }
        }
    }
}

extension Hub {
    /// Starts reporting, from a monitor thread, every time one greenlet holds this hub's
    /// thread for more than `threshold` seconds without yielding.
    ///
    /// Each report is a `warning` naming the greenlet (metadata `greenlet`, `stalled_ms`,
    /// and `backtrace`: where the hub's thread was when sampled).
    /// - Parameters:
    ///   - threshold: How long a greenlet may run without yielding (default 100 ms).
    ///   - logger: Where reports go; by default the label `weave.hub.blocking`, through
    ///     whatever `LoggingSystem` the program bootstrapped (standard error unless it
    ///     chose otherwise).
    @DurationOverload
    public func detectBlocking(
        threshold: Double = 0.1,
        logger: Logger = Logger(label: "weave.hub.blocking")
    ) {
        monitor?.stop()
        let monitor = BlockingMonitor(threshold: threshold, logger: logger)
        self.monitor = monitor
        monitor.start()
    }

    /// Stops the blocking detector, if one runs.
    public func stopDetectingBlocking() {
        monitor?.stop()
        monitor = nil
    }
}
