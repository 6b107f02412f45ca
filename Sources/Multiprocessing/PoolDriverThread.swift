#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread that drives a pool until the pool is closed and its workers have left, for
/// pools whose callers do not wait on them (an executor's futures). It forks every worker,
/// so the workers' parent-death signal is tied to it, and it lives as long as they do.
final class PoolDriverThread: @unchecked Sendable {
    private let engine: PoolEngine
    private var thread = pthread_t()

    /// Starts driving `engine`.
    /// - Throws: `.systemCallFailed` when the thread cannot start (`pthread_create`).
    init(engine: PoolEngine) throws {
        self.engine = engine
        let retained = Unmanaged.passRetained(engine)
        let failure = pthread_create(&thread, nil, { raw in
            let engine = Unmanaged<PoolEngine>.fromOpaque(raw!).takeRetainedValue()
            while !engine.isFinished { engine.driveRound() }
            return nil
        }, retained.toOpaque())
        guard failure == 0 else {
            retained.release()
            throw MultiprocessingError(.systemCallFailed, errno: failure, context: "pthread_create() for a pool's driver")
        }
    }

    /// Waits for the thread to end (`pthread_join`); the pool must be closed or terminated.
    func join() {
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own (`pthread_detach`).
    func detach() {
        pthread_detach(thread)
    }
}
