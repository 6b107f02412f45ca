#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Weave

extension Tour {
    /// A way to run `tasks` independent tasks: the lesson's models. Every model but
    /// `serial` is an executor behind the one `PoolExecutor` interface, so the workload's
    /// code is the same on each: only the line that makes the executor differs.
    private struct LessonModel {
        let name: String
        let workers: (_ tasks: Int) -> Int
        let makeExecutor: ((_ tasks: Int) throws -> any PoolExecutor)?

        /// Runs every task and returns the sum of their results.
        func run(_ tasks: Int, _ work: @escaping @Sendable (Int) throws -> Int) throws -> Int {
            guard let makeExecutor else { return try (0..<tasks).reduce(0) { try $0 + work($1) } }
            let executor = try makeExecutor(tasks)
            defer { executor.shutdown() }
            return try executor.map(0..<tasks, work).reduce(0, +)
        }
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
            LessonModel(name: "serial", workers: { _ in 1 }, makeExecutor: nil),
            LessonModel(name: "threads", workers: { _ in cores }) { _ in try ThreadPoolExecutor(maxWorkers: cores) },
            LessonModel(name: "processes", workers: { _ in cores }) { _ in try ProcessPoolExecutor(maxWorkers: cores) },
            LessonModel(name: "greenlets", workers: { $0 }) { tasks in try GreenPoolExecutor(maxGreenThreads: tasks) },
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
                let workers = model.workers(workload.tasks)
                emit(.progress("\(workload.name) on \(model.name == "serial" ? "one thread" : "\(workers) \(model.name)")…"))
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
                    workers: workers,
                    seconds: seconds, speedup: serialSeconds / seconds)
                rows.append(row)
                emit(.lessonRow(row))
            }
            emit(.verdict(Tour.verdict(for: rows.filter { $0.workload == workload.name })))
        }
        var load = [0.0]
        let loadAverage = getloadavg(&load, 1) == 1 ? load[0] : nil
        note(Tour.pythonDifference(rows, cores: cores, loadAverage: loadAverage))
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

    /// How the measurements bear on the tutorial's Python advice: CPython's GIL lets one
    /// thread run Python code at a time, so its threads cannot speed up CPU-bound work;
    /// Swift has no such lock, and the line says what the threads row measured.
    package static func pythonDifference(_ rows: [LessonRow], cores: Int, loadAverage: Double?) -> String {
        let gil = "Unlike CPython, whose GIL lets one thread run Python code at a time, Swift has no such lock"
        guard let threads = rows.first(where: { $0.workload == "cpu-bound" && $0.model == "threads" }) else {
            return gil + "."
        }
        guard cores > 1 else {
            return gil + ", but with one core here threads could not run in parallel (\(Tour.times(threads.speedup)))."
        }
        guard threads.speedup >= 1.25 else {
            let busy = loadAverage.map { $0 > Double(cores) - 0.5 } ?? false
            return gil + ", yet threads gained only \(Tour.times(threads.speedup)) on the CPU-bound work here"
                + (busy
                    ? ": the machine was busy (load average \(Tour.tenths(loadAverage ?? 0)) on \(cores) cores); run the lesson on a quiet machine."
                    : ".")
        }
        return gil + ": threads sped the CPU-bound work up \(Tour.times(threads.speedup)) here, so the tutorial's "
            + "\"processes for CPU-bound work\" becomes \"threads or processes\" in Swift; processes still isolate memory."
    }

    /// A speed-up as `1.9×`, or `12×` from 10 up.
    static func times(_ ratio: Double) -> String {
        let tenths = Int((ratio * 10).rounded())
        return tenths >= 100 ? "\(tenths / 10)×" : "\(tenths / 10).\(tenths % 10)×"
    }
}
