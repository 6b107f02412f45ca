import Metrics

/// The counters of distributed pools and workers, under `weave_distributed_tasks`, with a
/// `event` dimension: `submitted` (stored by a pool), `claimed` (by a worker), `done` and
/// `failed` (recorded by a worker; `failed` counts failed attempts, retried or not) and
/// `reaped` (returned by a reaper after a lease ran out).
enum DistributedMetrics {
    static let submitted = counter("submitted")
    static let claimed = counter("claimed")
    static let done = counter("done")
    static let failed = counter("failed")
    static let reaped = counter("reaped")

    private static func counter(_ event: String) -> Counter {
        Counter(label: "weave_distributed_tasks", dimensions: [("event", event)])
    }
}
