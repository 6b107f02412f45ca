import Synchronization
import Weave

extension Tour {
    /// A way to run `tasks` independent tasks: the lesson's models.
    private struct LessonModel {
        let name: String
        let workers: Int
        /// Runs every task and returns the sum of their results.
        let run: (_ tasks: Int, _ work: @escaping @Sendable (Int) throws -> Int) throws -> Int
    }

    /// A workload of the lesson: `tasks` tasks, and the work of one task on a model.
    private struct LessonWorkload {
        let name: String
        let tasks: Int
        let work: (LessonModel) -> @Sendable (Int) throws -> Int
    }

    /// The tutorial's section 9, measured: "对于计算密集型应用,应该使用多进程;对于IO密集型应用,
    /// 应该使用多线程" (processes for CPU-bound work, threads for I/O-bound work).
    ///
    /// One CPU-bound workload (counting primes) and one I/O-bound workload (requests to an
    /// embedded server that answers each after a delay) run serially, on N threads, on N
    /// processes (N = the CPU count) and on green threads. Each row gives the wall time
    /// and the speed-up over serial, and each workload gets a verdict computed from the
    /// numbers.
    public func lesson() throws {
        let size = lessonSize
        let cores = Multiprocessing.cpuCount
        let models = [
            LessonModel(name: "serial", workers: 1) { tasks, work in
                try (0..<tasks).reduce(0) { try $0 + work($1) }
            },
            LessonModel(name: "threads", workers: cores) { tasks, work in
                try Tour.runOnThreads(cores, tasks: tasks, work)
            },
            LessonModel(name: "processes", workers: cores) { tasks, work in
                try Tour.runInProcesses(cores, tasks: tasks, work)
            },
            LessonModel(name: "greenlets", workers: size.requests) { tasks, work in
                let executor = try GreenPoolExecutor(maxGreenThreads: tasks)
                defer { executor.shutdown() }
                return try executor.map(0..<tasks, work).reduce(0, +)
            },
        ]

        let server = try LessonWorkloads.startServer(delay: size.answerDelay)
        defer { try? server.stop() }
        let port = server.port
        let workloads = [
            LessonWorkload(name: "cpu-bound", tasks: size.cpuTasks) { _ in
                { task in LessonWorkloads.countPrimes(task: task, of: size.cpuTasks, below: size.primeLimit) }
            },
            LessonWorkload(name: "io-bound", tasks: size.requests) { model in
                guard model.name == "greenlets" else { return { _ in try LessonWorkloads.blockingGet(port: port) } }
                return { _ in try LessonWorkloads.greenGet(port: port) }
            },
        ]
        note("N = \(cores) (the CPU count); the CPU-bound work counts the primes below \(size.primeLimit), "
            + "the I/O-bound work makes \(size.requests) requests, each answered after \(Int(size.answerDelay * 1000)) ms")
        var rows: [LessonRow] = []
        for workload in workloads {
            var serialSeconds = 0.0
            var expected: Int?
            for model in models {
                emit(.progress("\(workload.name) on \(model.name == "serial" ? "one thread" : "\(model.workers) \(model.name)")…"))
                let start = Tour.now()
                let result = try model.run(workload.tasks, workload.work(model))
                let seconds = Tour.now() - start
                if let expected, result != expected {
                    throw TourError.resultsDiffer("\(workload.name) gave \(result) on \(model.name), \(expected) serially")
                }
                expected = expected ?? result
                if model.name == "serial" { serialSeconds = seconds }
                let row = LessonRow(
                    workload: workload.name, model: model.name,
                    workers: model.name == "greenlets" ? workload.tasks : model.workers,
                    seconds: seconds, speedup: serialSeconds / seconds)
                rows.append(row)
                emit(.lessonRow(row))
            }
            emit(.verdict(Tour.verdict(for: rows.filter { $0.workload == workload.name })))
        }
        if let advice = Tour.pythonDifference(rows, cores: cores) {
            note(advice)
        }
    }

    /// Runs `tasks` tasks on `count` threads that take the next task as they finish one.
    private static func runOnThreads(_ count: Int, tasks: Int, _ work: @escaping @Sendable (Int) throws -> Int) throws -> Int {
        let next = TaskCounter()
        let threads = (0..<count).map { index in
            OSThread(name: "lesson-\(index)") { () throws -> Int in
                var sum = 0
                while true {
                    let task = next.take()
                    guard task < tasks else { return sum }
                    sum += try work(task)
                }
            }
        }
        for thread in threads { try thread.start() }
        return try threads.reduce(0) { try $0 + $1.get() }
    }

    /// Runs `tasks` tasks on a pool of `count` worker processes, one task at a time each.
    private static func runInProcesses(_ count: Int, tasks: Int, _ work: @escaping @Sendable (Int) throws -> Int) throws -> Int {
        let pool = try ProcessPool<Int, Int>(processes: count, function: work)
        defer { pool.terminate() }
        let outputs = try pool.map(Array(0..<tasks), chunkSize: 1)
        pool.close()
        _ = try pool.join()
        return outputs.reduce(0, +)
    }

    /// Hands out task numbers 0, 1, 2… to whichever thread asks next.
    private final class TaskCounter: Sendable {
        private let next = Atomic<Int>(0)

        func take() -> Int {
            next.wrappingAdd(1, ordering: .relaxed).oldValue
        }
    }

    /// What a workload's rows say: which models were fastest, which gained nothing, and
    /// which fell in between.
    package static func verdict(for rows: [LessonRow]) -> String {
        let parallel = rows.filter { $0.model != "serial" }.sorted { $0.speedup > $1.speedup }
        guard let workload = rows.first?.workload, let best = parallel.first else {
            return ""
        }
        func list(_ rows: [LessonRow]) -> String {
            rows.map { "\($0.model) (\(Tour.times($0.speedup)))" }.joined(separator: ", ")
        }
        guard best.speedup >= 1.25 else {
            return "\(workload): no model beat running it serially: \(list(parallel))"
        }
        let fastest = parallel.filter { $0.speedup >= best.speedup * 0.8 }
        let gainless = parallel.filter { $0.speedup < 1.25 && !fastest.contains($0) }
        let between = parallel.filter { !fastest.contains($0) && !gainless.contains($0) }
        var verdict = "\(workload): fastest on \(list(fastest))"
        if !between.isEmpty { verdict += "; then \(list(between))" }
        if !gainless.isEmpty { verdict += "; no real gain on \(list(gainless))" }
        return verdict
    }

    /// How the measurements differ from the tutorial's Python advice, or `nil` when they
    /// do not: CPython's GIL lets only one thread run Python code at a time, so its
    /// threads cannot speed up CPU-bound work; Swift has no such lock.
    static func pythonDifference(_ rows: [LessonRow], cores: Int) -> String? {
        guard cores > 1,
            let threads = rows.first(where: { $0.workload == "cpu-bound" && $0.model == "threads" }),
            threads.speedup >= 1.25
        else { return nil }
        return "Unlike CPython, whose GIL lets one thread run Python code at a time, Swift has no such lock: "
            + "threads sped the CPU-bound work up \(Tour.times(threads.speedup)) here, so the tutorial's "
            + "\"processes for CPU-bound work\" becomes \"threads or processes\" in Swift; processes still isolate memory."
    }

    /// A speed-up as `1.9×`, or `12×` from 10 up.
    static func times(_ ratio: Double) -> String {
        let tenths = Int((ratio * 10).rounded())
        return tenths >= 100 ? "\(tenths / 10)×" : "\(tenths / 10).\(tenths % 10)×"
    }
}
