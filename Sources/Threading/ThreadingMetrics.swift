import Metrics

/// What the module counts through swift-metrics: `weave_threads_started_total`,
/// `weave_threads_running` (a meter of ``OSThread``s between start and end) and
/// `weave_thread_errors_total` (bodies that threw). Each update makes its metric anew, so
/// that a backend bootstrapped after the first thread started still receives it; with no
/// backend, an update is a call into swift-metrics' no-op handler.
enum ThreadingMetrics {
    /// An ``OSThread`` began to run.
    static func threadStarted() {
        Counter(label: "weave_threads_started_total").increment()
        Meter(label: "weave_threads_running").increment()
    }

    /// An ``OSThread`` ended; `failed` when its body threw.
    static func threadFinished(failed: Bool) {
        Meter(label: "weave_threads_running").decrement()
        if failed {
            Counter(label: "weave_thread_errors_total").increment()
        }
    }
}
