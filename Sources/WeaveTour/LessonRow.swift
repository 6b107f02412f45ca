/// One measurement of the lesson: a workload run on one model.
public struct LessonRow: Codable, Sendable, Equatable {
    /// `cpu-bound` or `io-bound`.
    public var workload: String
    /// `serial`, `threads`, `processes` or `greenlets`.
    public var model: String
    /// How many workers ran it: threads, processes or green threads.
    public var workers: Int
    /// The wall time, in seconds.
    public var seconds: Double
    /// The serial time divided by this one.
    public var speedup: Double

    package init(workload: String, model: String, workers: Int, seconds: Double, speedup: Double) {
        self.workload = workload
        self.model = model
        self.workers = workers
        self.seconds = seconds
        self.speedup = speedup
    }
}

/// How much work the lesson's two workloads do.
public struct LessonSize: Sendable {
    /// Count the primes below this number, in `cpuTasks` equal ranges.
    public var primeLimit: Int
    /// How many ranges the CPU-bound work is cut into.
    public var cpuTasks: Int
    /// How many requests the I/O-bound work makes.
    public var requests: Int
    /// How long the embedded server waits before each answer, in seconds.
    public var answerDelay: Double

    /// The tour's default: about a second of CPU-bound work, and 200 requests each
    /// answered after 20 ms.
    public static let full = LessonSize(primeLimit: 1_500_000, cpuTasks: 16, requests: 200, answerDelay: 0.02)
    /// A small version for tests and CI.
    public static let quick = LessonSize(primeLimit: 300_000, cpuTasks: 8, requests: 40, answerDelay: 0.01)
}
