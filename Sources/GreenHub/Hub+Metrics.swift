import Metrics
import NIOCore
import Synchronization

extension Hub {
    /// Hands out hub numbers, 1 for the first hub of the process.
    static let numbers = Atomic<Int>(0)

    /// How often, in seconds, a hub reports its metrics; 1 by default. Hubs read it when
    /// they start.
    public static var metricsInterval: Double {
        get { Double(metricsIntervalNanoseconds.load(ordering: .relaxed)) / 1e9 }
        set { metricsIntervalNanoseconds.store(Int64(max(newValue, 0.001) * 1e9), ordering: .relaxed) }
    }

    private static let metricsIntervalNanoseconds = Atomic<Int64>(1_000_000_000)

    /// The switches to ready greenlets so far.
    var switchesSoFar: UInt64 {
        switchesBeforeBatch &+ UInt64(Hub.batchSize - scheduling.pointee.budget)
    }

    /// Reports, every ``metricsInterval`` from the event loop, what gevent and Go operators
    /// watch, with the dimension `hub` (its ``number``): the green threads alive
    /// (`weave_hub_green_threads`), the ready-queue depth (`weave_hub_ready_queue`), the
    /// timers armed (`weave_hub_timers_armed`) and the switches to ready greenlets
    /// (`weave_hub_switches_total`). The hub counts with plain integers on its hot paths; only
    /// this report touches swift-metrics, and only when a metrics backend was bootstrapped
    /// before the hub started, so a program without one pays nothing.
    func startReportingMetrics() {
        guard !(MetricsSystem.factory is NOOPMetricsHandler), let loop = eventLoop else { return }
        let dimensions = [("hub", "\(number)")]
        let alive = Gauge(label: "weave_hub_green_threads", dimensions: dimensions)
        let ready = Gauge(label: "weave_hub_ready_queue", dimensions: dimensions)
        let timers = Gauge(label: "weave_hub_timers_armed", dimensions: dimensions)
        let switches = Counter(label: "weave_hub_switches_total", dimensions: dimensions)
        let hub = NIOLoopBound(self, eventLoop: loop)
        let reported = NIOLoopBoundBox<UInt64>(0, eventLoop: loop)
        let interval = TimeAmount.nanoseconds(Int64(Hub.metricsInterval * 1e9))
        loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let hub = hub.value
            alive.record(Int64(hub.greenThreadsSpawned &- hub.greenThreadsFinished))
            ready.record(hub.scheduling.pointee.ready.count)
            timers.record(hub.activeTimers)
            let now = hub.switchesSoFar
            switches.increment(by: Int64(now &- reported.value))
            reported.value = now
        }
    }
}
