import Atomics
import Metrics

/// What a pool counts through swift-metrics, under the dimension `pool` (a number unique in
/// the process, `PoolEngine.number`): `weave_pool_tasks_completed_total` (chunks that came
/// back from a worker), `weave_pool_tasks_failed_total` (chunks whose function threw past
/// the chunk, or whose worker died) and `weave_pool_worker_deaths_total` (workers that
/// ended without being asked to). With no metrics backend bootstrapped, each update is a
/// call into swift-metrics' no-op handler.
struct PoolMetrics {
    private static let pools = ManagedAtomic<Int>(0)

    /// The pool's number, its `pool` dimension.
    let number: Int
    private let completed: Counter
    private let failed: Counter
    private let deaths: Counter

    init() {
        number = Self.pools.wrappingIncrementThenLoad(ordering: .relaxed)
        let dimensions = [("pool", "\(number)")]
        completed = Counter(label: "weave_pool_tasks_completed_total", dimensions: dimensions)
        failed = Counter(label: "weave_pool_tasks_failed_total", dimensions: dimensions)
        deaths = Counter(label: "weave_pool_worker_deaths_total", dimensions: dimensions)
    }

    /// A chunk came back from its worker.
    func taskCompleted() { completed.increment() }

    /// A chunk failed as a whole.
    func taskFailed() { failed.increment() }

    /// A worker ended without being asked to.
    func workerDied() { deaths.increment() }
}
