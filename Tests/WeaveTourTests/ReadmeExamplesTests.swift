import Executors
import GreenHub
import GreenNet
import Greenlets
import Logging
import Managers
import GreenPatch
import Multiprocessing
import ServiceLifecycle
import Threading
import WeaveDistributed
import WeaveServices
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Every Swift example in README.md, verbatim, compiled and run; and a check that the
/// README shows no example that is not here.
final class ReadmeExamplesTests: XCTestCase {
    func testGreenletExample() throws {
        let main = Greenlet.current
        let child = Greenlet { value in
            let reply = try main.switch("got \(value!)")
            return "done after \(reply!)"
        }
        print(try child.switch(1)!)       // got 1
        print(try child.switch("ping")!)  // done after ping
        XCTAssertTrue(child.isDead)
    }

    func testHubExample() throws {
        let jobs = GreenQueue<Int>()
        let workers = (1...3).map { id in
            Green.spawn(name: "worker-\(id)") { () -> Int in
                var done = 0
                while let job = try? jobs.get(timeout: 0.05) {
                    try Green.sleep(Double(job) / 1000)
                    done += 1
                }
                return done
            }
        }
        for job in 1...9 {
            try jobs.put(job)
        }
        let counts = try workers.map { try $0.get() }
        print(counts.reduce(0, +))  // 9
        XCTAssertEqual(counts.reduce(0, +), 9)
    }

    func testNetworkingExample() throws {
        let server = try GreenHTTPServer { request in
            try Green.sleep(0.01)  // a handler may block: it runs in a green thread
            return GreenHTTPResponse(text: "hello from \(request.uri)")
        }
        server.start()
        let client = try GreenHTTPClient()
        let pages = (1...8).map { n in
            Green.spawn { try client.get("http://127.0.0.1:\(server.port)/page/\(n)").text }
        }
        print(try pages.map { try $0.get() }.count)  // 8, fetched concurrently
        XCTAssertEqual(try pages[2].get(), "hello from /page/3")
        try client.close()
        try server.stop()
    }

    func testProcessExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let queue = try ProcessQueue<String>()
        let child = ChildProcess(name: "worker", arguments: "hello") { greeting in
            try queue.put("\(greeting) from \(Multiprocessing.currentProcess.name)")
        }
        try child.start()
        print(try queue.get())  // hello from worker
        try child.join()
        print(child.exitCode!)  // 0
        XCTAssertEqual(child.exitCode, 0)
    }

    func testWorkerPoolExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        let offset = 100
        print(try pool.map([1, 2, 3]) { (n: Int) in n * n + offset })  // [101, 104, 109]
        var total = 0
        for result in try pool.imap((1...1_000_000).lazy, chunkSize: 1000, { (n: Int) in n % 7 }) {
            total += try result.get()
        }
        let greeting = try pool.applyAsync { "hello from \(Multiprocessing.currentProcess.pid)" }
        print(try greeting.get(timeout: .seconds(10)))
        XCTAssertEqual(total, (1...1_000_000).reduce(0) { $0 + $1 % 7 })
        XCTAssertTrue(try greeting.get().hasPrefix("hello from "))
    }

    func testProcessPoolExecutorExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let executor = try ProcessPoolExecutor(maxWorkers: 2)
        defer { executor.shutdown() }
        let base = 10
        let future = try executor.submit { base * base }
        print(try future.get(timeout: 10))  // 100
        print(try executor.map(1...3) { $0 + base })  // [11, 12, 13]
        XCTAssertEqual(try executor.map(1...3) { $0 + base }, [11, 12, 13])
    }

    func testPoolExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let pool = try ProcessPool(processes: 2) { (n: Int) in n * n }
        print(try pool.map(Array(1...5)))  // [1, 4, 9, 16, 25]
        XCTAssertEqual(try pool.map(Array(1...5)), [1, 4, 9, 16, 25])
        pool.close()
        try pool.join()
    }

    func testThreadExample() throws {
        let ready = ThreadEvent()
        let worker = OSThread(name: "worker") { () -> Int in
            ready.wait()
            return (1...10).reduce(0, +)
        }
        try worker.start()
        ready.set()
        print(try worker.get())  // 55
        print(worker.isAlive)    // false
        XCTAssertEqual(try worker.get(), 55)
        XCTAssertFalse(worker.isAlive)
    }

    func testExecutorExample() throws {
        func squares(on executor: some PoolExecutor) throws -> [Int] {
            try executor.map(1...5) { $0 * $0 }
        }
        let executor = try GreenPoolExecutor()
        defer { executor.shutdown() }
        print(try squares(on: executor))  // [1, 4, 9, 16, 25]
        XCTAssertEqual(try squares(on: executor), [1, 4, 9, 16, 25])

        let futures = try [0.03, 0.01, 0.02].map { delay in
            try executor.submit { () -> Double in
                try Green.sleep(delay)
                return delay
            }
        }
        var order: [Double] = []
        var completions = PoolFutures.asCompleted(futures, timeout: 5)
        while let future = try completions.next() {
            print(try future.get())  // 0.01, then 0.02, then 0.03
            order.append(try future.get())
        }
        XCTAssertEqual(order, [0.01, 0.02, 0.03])
    }

    /// Where the spawned child of `testServiceGroupExample` bootstraps; does nothing in the
    /// test process.
    func testSpawnedChildHost() {
        Multiprocessing.register(serviceGroupExample)
        Multiprocessing.bootstrapIfChild()
    }

    func testServiceGroupExample() throws {
        let report = try spawnedReport(
            of: serviceGroupExample, host: .spawn(arguments: ["WeaveTourTests.ReadmeExamplesTests/testSpawnedChildHost"]))
        XCTAssertEqual(report.workers.count, 2)
        for pid in report.workers {
            XCTAssertTrue(ChildProcessTestSupport.isGone(pid), "worker \(pid) is gone")
        }
        XCTAssertEqual(report.socketsAfter, report.socketsBefore, "no socket is left open")
    }

    func testManagerExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let manager = Manager()
        try manager.start()
        let counts: ManagedDictionary<String, Int> = try manager.dictionary()
        let finished: ManagedList<String> = try manager.list()
        let workers = (1...4).map { id in
            ChildProcess(name: "worker-\(id)") {
                try counts.update("done") { ($0 ?? 0) + 1 }
                try finished.append("worker-\(id)")
            }
        }
        for worker in workers { try worker.start() }
        for worker in workers { try worker.join() }
        print(try counts["done"]!)  // 4
        print(try finished.count())  // 4
        XCTAssertEqual(try counts["done"], 4)
        XCTAssertEqual(try finished.snapshot().sorted(), ["worker-1", "worker-2", "worker-3", "worker-4"])
        try manager.shutdown()
    }

    func testDistributedPoolExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let server: PostgresTestServer
        do {
            server = try PostgresTestServer()
        } catch let error as PostgresTestServer.SetupError {
            throw XCTSkip("\(error)")
        }
        defer { server.stop() }
        let databaseURL = "postgres://postgres@/postgres?host=\(server.directory)"
        let square = PoolFunction<Int, Int>("square") { $0 * $0 }
        Multiprocessing.register(square)  // every machine's program registers its functions

        // The worker side: the same program on every machine, each with local worker processes.
        let worker = try DistributedWorker(url: databaseURL, processes: 2)
        Task { await worker.runUntilStopped() }

        // The caller side: the process pool's calls, run by whichever worker claims each task.
        let pool = try DistributedPool(url: databaseURL)
        print(try pool.map([1, 2, 3], square))  // [1, 4, 9]
        print(try pool.apply(square, 12))  // 144
        XCTAssertEqual(try pool.map([1, 2, 3], square), [1, 4, 9])
        pool.close()
        worker.stop()
    }

    func testMonkeyPatchExample() throws {
        // Patching lasts as long as the process: the example runs as a forked child's main.
        Multiprocessing.warnsOnMultithreadedFork = false
        let report = try ProcessQueue<Double>()
        let child = ChildProcess(name: "patched-main") {
            GreenPatch.patchAll()  // the first line of main, as monkey.patch_all() is in Python
            let start = ContinuousClock.now
            let sleepers = (1...100).map { _ in Green.spawn { Glibc.sleep(1) } }
            try Green.joinAll(sleepers)
            print(ContinuousClock.now - start)  // about 1 second, not 100
            let elapsed = (ContinuousClock.now - start).components
            try report.put(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
        try child.start()
        let elapsed = try report.get(timeout: 60)
        XCTAssertTrue(try child.join(timeout: 10))
        XCTAssertEqual(child.exitCode, 0)
        XCTAssertGreaterThanOrEqual(elapsed, 0.99)
        XCTAssertLessThan(elapsed, 10)  // 100 s one after another
    }

    func testEveryReadmeExampleIsHere() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let normalizedSource = Set(source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map {
            $0.components(separatedBy: "```")[0]
        }
        XCTAssertGreaterThanOrEqual(blocks.count, 4)
        for block in blocks {
            for line in block.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("import ") else { continue }
                XCTAssertTrue(
                    normalizedSource.contains(trimmed),
                    "README line not exercised by ReadmeExamplesTests: \(trimmed)")
            }
        }
    }
}

/// What the README's service-group example left behind, seen from the spawned child that ran it.
private struct ServiceGroupExampleReport: Codable, Sendable {
    var workers: [Int32]
    var socketsBefore: Int
    var socketsAfter: Int
}

/// The sockets this process has open, from `/proc/self/fd`.
private func openSockets() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { entry in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"))?.hasPrefix("socket:") ?? false
    }.count
}

/// Runs the README's service-group example and SIGTERMs its own process. It runs in a
/// spawned child, since trapping SIGTERM changes the process for good (see
/// `TerminationSignal`).
private let serviceGroupExample = SpawnEntryPoint<ProcessQueue<ServiceGroupExampleReport>>("tests.readme-service-group") { reports in
    Multiprocessing.warnsOnMultithreadedFork = false
    let socketsBefore = try openSockets()
    let web = GreenServerService(onStarted: { port in print("serving on \(port)") }) { port in
        try GreenHTTPServer(port: port) { _ in GreenHTTPResponse(text: "hello\n") }
    }
    let work = PoolExecutorService(try ProcessPoolExecutor(maxWorkers: 2))
    let workers = (work.executor as? ProcessPoolExecutor)?.processIDs ?? []
    let group = ServiceGroup(services: [web, work], gracefulShutdownSignals: [.sigterm], logger: Logger(label: "app"))
    try waitForAsync {
        let terminator = TerminationSignal.sendRepeatedly(every: .milliseconds(200))
        try await group.run()  // until SIGTERM: the server drains, the workers finish and exit
        terminator.cancel()
        await terminator.value
    }
    try reports.put(ServiceGroupExampleReport(workers: workers, socketsBefore: socketsBefore, socketsAfter: try openSockets()))
}
