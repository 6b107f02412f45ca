import Dispatch
import Foundation
import Logging
import Multiprocessing
import PostgresNIO
import WeaveDistributed
import WeaveTestSupport
import XCTest

/// The functions the tests' workers register.
enum TestFunctions {
    static let square = PoolFunction<Int, Int>("tests.square") { $0 * $0 }
    /// Sleeps the given milliseconds, then returns them.
    static let nap = PoolFunction<Int, Int>("tests.nap") { milliseconds in
        usleep(useconds_t(milliseconds * 1000))
        return milliseconds
    }
    static let alwaysFails = PoolFunction<String, Int>("tests.always-fails") { text in
        throw TestFailure(text: text)
    }
    /// Fails while the file at the input path holds fewer than 2 marks, adding one each time.
    static let failsTwice = PoolFunction<String, Int>("tests.fails-twice") { path in
        let marks = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try (marks + "x").write(toFile: path, atomically: true, encoding: .utf8)
        if marks.count < 2 { throw TestFailure(text: "attempt \(marks.count + 1)") }
        return marks.count + 1
    }
    /// Ends its worker process on input 0; returns any other input.
    static let diesOnZero = PoolFunction<Int, Int>("tests.dies-on-zero") { input in
        if input == 0 { _exit(3) }
        return input
    }
    /// Never registered anywhere.
    static let unregistered = PoolFunction<Int, Int>("tests.never-registered") { $0 }

    static func registerAll() {
        Multiprocessing.register(square)
        Multiprocessing.register(nap)
        Multiprocessing.register(alwaysFails)
        Multiprocessing.register(failsTwice)
        Multiprocessing.register(diesOnZero)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var text: String
    var description: String { "test failure: \(text)" }
}

/// What a spawned worker "machine" needs to find the database and lease tasks.
struct WorkerArguments: Codable, Sendable {
    var socketDirectory: String
    var port: Int
    var processes: Int
    var leaseMilliseconds: Int
    var batchSize: Int
}

extension DistributedConfiguration {
    init(_ arguments: WorkerArguments) {
        self.init(socketDirectory: arguments.socketDirectory, port: arguments.port, username: "postgres", database: "postgres")
        lease = .milliseconds(arguments.leaseMilliseconds)
        heartbeatInterval = .milliseconds(arguments.leaseMilliseconds / 5)
        pollInterval = .milliseconds(250)
        retryBackoff = .milliseconds(20)
        batchSize = arguments.batchSize
    }
}

/// Runs a distributed worker in a spawned child until the child is killed.
let workerMachine = SpawnEntryPoint<WorkerArguments>("tests.distributed-worker") { arguments in
    Multiprocessing.warnsOnMultithreadedFork = false
    let worker = try DistributedWorker(configuration: DistributedConfiguration(arguments), processes: arguments.processes)
    let done = DispatchSemaphore(value: 0)
    Task {
        await worker.runUntilStopped()
        done.signal()
    }
    done.wait()
}

/// A private PostgreSQL and worker machines (spawned children) serving it.
final class DistributedTestCluster {
    static let host = StartMethod.spawn(arguments: ["WeaveDistributedTests.DistributedPoolTests/testSpawnedChildHost"])

    let server: PostgresTestServer
    let arguments: WorkerArguments
    private(set) var machines: [ChildProcess] = []
    /// Lets the threads that started the machines end, once the machines are gone.
    private let launchersMayEnd = DispatchSemaphore(value: 0)

    init(processes: Int = 1, leaseMilliseconds: Int = 1000, batchSize: Int = 64) throws {
        do {
            server = try PostgresTestServer()
        } catch let error as PostgresTestServer.SetupError {
            throw XCTSkip("\(error)")
        }
        arguments = WorkerArguments(
            socketDirectory: server.directory, port: server.port, processes: processes,
            leaseMilliseconds: leaseMilliseconds, batchSize: batchSize)
    }

    var configuration: DistributedConfiguration { DistributedConfiguration(arguments) }

    /// Starts another worker machine.
    ///
    /// A machine is a daemon child, which Linux kills when the thread that started it ends.
    /// An async test's thread may go back to the pool and end at any await, so each machine
    /// is started by a thread of its own that waits until `stop()`.
    @discardableResult
    func startMachine() throws -> ChildProcess {
        let machine = ChildProcess(
            name: "machine-\(machines.count)", daemon: true, startMethod: Self.host, entryPoint: workerMachine,
            arguments: arguments)
        let launch = LaunchOutcome()
        let mayEnd = launchersMayEnd
        Thread.detachNewThread {
            do {
                try machine.start()
            } catch {
                launch.failure = error
            }
            launch.done.signal()
            if launch.failure == nil { mayEnd.wait() }
        }
        launch.done.wait()
        if let failure = launch.failure { throw failure }
        machines.append(machine)
        return machine
    }

    /// Kills every machine and stops the server.
    func stop() {
        for machine in machines where machine.isAlive {
            try? machine.kill()
            _ = try? machine.join(timeout: 10)
        }
        for _ in machines { launchersMayEnd.signal() }
        server.stop()
    }

    /// Runs `sql` and returns the first column of its first row as an integer.
    func count(_ sql: String) async throws -> Int {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                unixSocketPath: "\(server.directory)/.s.PGSQL.\(server.port)", username: "postgres", password: nil,
                database: "postgres"),
            id: 1, logger: Logger(label: "tests"))
        do {
            var value = 0
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "tests"))
                .decode(Int.self) {
                value = row
            }
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// How a launcher thread's `start()` went, read after `done` is signalled.
private final class LaunchOutcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var failure: (any Error)?
}
