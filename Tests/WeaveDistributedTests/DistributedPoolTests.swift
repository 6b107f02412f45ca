import Executors
import Foundation
import GreenHub
import Multiprocessing
import WeaveDistributed
import WeaveTestSupport
import XCTest

/// A real PostgreSQL per test, worker "machines" as spawned children of the test bundle,
/// and the test process as the caller.
final class DistributedPoolTests: XCTestCase {
    /// Where a spawned worker machine bootstraps (see `SpawnTests`); does nothing in the
    /// parent.
    func testSpawnedChildHost() {
        TestFunctions.registerAll()
        Multiprocessing.register(workerMachine)
        Multiprocessing.bootstrapIfChild()
    }

    func testHundredThousandTasksOverFourWorkersEachRecordedOnce() async throws {
        let cluster = try DistributedTestCluster(processes: 1, leaseMilliseconds: 3000, batchSize: 512)
        defer { cluster.stop() }
        for _ in 0..<4 { try cluster.startMachine() }
        var configuration = cluster.configuration
        configuration.batchSize = 4096
        let pool = try DistributedPool(configuration: configuration)
        defer { pool.close() }
        let inputs = Array(0..<100_000)
        let outputs = try await pool.map(inputs, TestFunctions.square)
        XCTAssertEqual(outputs, inputs.map { $0 * $0 })
        let left = try await cluster.count("SELECT count(*) FROM weave_tasks")
        XCTAssertEqual(left, 0, "every result was taken once and its row deleted")
    }

    func testKilledWorkersTasksFinishElsewhere() async throws {
        let cluster = try DistributedTestCluster(processes: 1, leaseMilliseconds: 1000, batchSize: 4)
        defer { cluster.stop() }
        for _ in 0..<3 { try cluster.startMachine() }
        var configuration = cluster.configuration
        configuration.maxAttempts = 25
        let pool = try DistributedPool(configuration: configuration)
        defer { pool.close() }
        let futures = try (0..<1500).map { _ in try pool.submit(TestFunctions.nap, 20) }
        let started = ContinuousClock.now
        for kill in 0..<20 {
            try await Task.sleep(for: .milliseconds(300))
            let victim = cluster.machines.filter(\.isAlive)[kill % 3]
            try victim.kill()
            _ = try victim.join(timeout: 10)
            XCTAssertEqual(victim.isAlive, false)
            try cluster.startMachine()
        }
        for future in futures {
            let value = try await future.value
            XCTAssertEqual(value, 20)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(120), "the killed machines' tasks ran elsewhere")
        let reaped = try await cluster.count("SELECT count(*) FROM weave_tasks")
        XCTAssertEqual(reaped, 0)
    }

    func testDatabaseRestartLosesNothingAndNothingHangs() async throws {
        let cluster = try DistributedTestCluster(processes: 2, leaseMilliseconds: 2000, batchSize: 16)
        defer { cluster.stop() }
        for _ in 0..<2 { try cluster.startMachine() }
        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }
        let first = try (0..<1500).map { _ in try pool.submit(TestFunctions.nap, 2) }
        try await Task.sleep(for: .milliseconds(500))
        XCTAssertTrue(first.contains { !$0.isReady }, "the restart comes mid-run")
        try cluster.server.restart(downtime: 1)
        let second = try (0..<500).map { try pool.submit(TestFunctions.square, $0) }
        for future in first {
            XCTAssertEqual(try future.get(timeout: 60), 2, "a task stored before the restart finishes after it")
        }
        for (input, future) in second.enumerated() {
            XCTAssertEqual(try future.get(timeout: 60), input * input, "a task submitted during the restart finishes")
        }
    }

    func testUnknownFunctionFailsAtOnceWithAClearError() throws {
        let cluster = try DistributedTestCluster()
        defer { cluster.stop() }
        try cluster.startMachine()
        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }
        XCTAssertThrowsError(try pool.apply(TestFunctions.unregistered, 1)) { error in
            guard let failure = error as? DistributedTaskError else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.reason, .unknownFunction)
            XCTAssertEqual(failure.function, "tests.never-registered")
            XCTAssertEqual(failure.attempts, 1, "an unknown function is not retried")
            XCTAssertNotNil(failure.worker)
            XCTAssertTrue("\(failure)".contains("register"), "\(failure)")
        }
    }

    func testResultsOfAClosedPoolStayUntilPurged() async throws {
        let cluster = try DistributedTestCluster()
        defer { cluster.stop() }
        try cluster.startMachine()
        let abandoning = try DistributedPool(configuration: cluster.configuration)
        _ = try abandoning.submit(TestFunctions.nap, 300)
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? await cluster.count("SELECT count(*) FROM weave_tasks")) ?? 0 == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        abandoning.close()
        while try await cluster.count("SELECT count(*) FROM weave_tasks WHERE state = 'done'") == 0,
              ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let waiting = try await cluster.count("SELECT count(*) FROM weave_tasks WHERE state = 'done'")
        XCTAssertEqual(waiting, 1, "the task ran after its pool closed, and its result waits in the table")

        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }
        let keptRecent = try await pool.purgeFinishedTasks(olderThan: .seconds(3600))
        XCTAssertEqual(keptRecent, 0, "a recent result is kept")
        let purged = try await pool.purgeFinishedTasks(olderThan: 0)
        XCTAssertEqual(purged, 1)
        let left = try await cluster.count("SELECT count(*) FROM weave_tasks")
        XCTAssertEqual(left, 0)
    }

    func testRetriesWithBackoffThenTheFinalFailureStaysForInspection() async throws {
        let cluster = try DistributedTestCluster()
        defer { cluster.stop() }
        try cluster.startMachine()
        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }

        let marks = FileManager.default.temporaryDirectory.appendingPathComponent("weave-marks-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: marks) }
        let third = try await pool.apply(TestFunctions.failsTwice, marks)
        XCTAssertEqual(third, 3, "two failures were retried and the third attempt succeeded")

        do {
            _ = try await pool.apply(TestFunctions.alwaysFails, "boom")
            XCTFail("the task succeeded")
        } catch let failure as DistributedTaskError {
            XCTAssertEqual(failure.reason, .failed)
            XCTAssertEqual(failure.function, "tests.always-fails")
            XCTAssertEqual(failure.attempts, 3)
            XCTAssertNotNil(failure.worker)
            XCTAssertTrue(failure.message.contains("test failure: boom"), failure.message)
        }
        let kept = try await cluster.count(
            "SELECT count(*) FROM weave_tasks WHERE state = 'failed' AND attempt = 3 AND worker IS NOT NULL AND error LIKE '%boom%'")
        XCTAssertEqual(kept, 1, "the failed task's row keeps its error, attempts and worker")
        let purged = try await pool.purgeFinishedTasks(olderThan: 0)
        XCTAssertEqual(purged, 1)
    }

    func testAProcessThatDiesChargesOnlyTheTaskThatKilledIt() async throws {
        let cluster = try DistributedTestCluster(processes: 1)
        defer { cluster.stop() }
        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }
        // Every task is queued before the machine starts, so its first claim is one batch
        // holding the task that kills the process and nineteen innocent ones.
        let futures = try (0..<20).map { try pool.applyAsync(TestFunctions.diesOnZero, $0) }
        while (try? await cluster.count("SELECT count(*) FROM weave_tasks")) ?? 0 < futures.count {
            try await Task.sleep(for: .milliseconds(20))
        }
        try cluster.startMachine()
        for (input, future) in futures.enumerated().dropFirst() {
            let output = try await future.value
            XCTAssertEqual(output, input, "an innocent task of the batch finished")
        }
        do {
            _ = try await futures[0].value
            XCTFail("the task that kills its process succeeded")
        } catch let failure as DistributedTaskError {
            XCTAssertEqual(failure.reason, .failed)
            XCTAssertEqual(failure.attempts, 3, "only its own runs were charged: \(failure)")
        }
    }

    func testAPoolOnTheHubsOwnLoopServesItsGreenlets() throws {
        let cluster = try DistributedTestCluster(processes: 2)
        defer { cluster.stop() }
        try cluster.startMachine()
        let pool = try DistributedPool(configuration: cluster.configuration, eventLoop: Hub.current.eventLoop)
        defer { pool.close() }
        try assertGreenCallersSuspendOnlyThemselves(pool)
        XCTAssertEqual(try pool.map(0..<5, TestFunctions.square), [0, 1, 4, 9, 16], "the main greenlet waits green too")
    }

    /// Eight greenlets call `pool` while another ticks: each gets its own result, and the
    /// ticker never stops.
    private func assertGreenCallersSuspendOnlyThemselves(_ pool: DistributedPool) throws {
        var ticks = 0
        let ticker = Green.spawn {
            for _ in 0..<10 {
                ticks += 1
                try Green.sleep(0.01)
            }
        }
        let callers = (0..<8).map { n in Green.spawn { try pool.apply(TestFunctions.nap, 100 + n) } }
        XCTAssertEqual(try callers.map { try $0.get() }, (0..<8).map { 100 + $0 })
        try ticker.join()
        XCTAssertEqual(ticks, 10, "the hub ran another green thread while greenlets waited on the pool")
    }

    func testCallersFromGreenletsSuspendOnlyThemselves() throws {
        let cluster = try DistributedTestCluster(processes: 2)
        defer { cluster.stop() }
        try cluster.startMachine()
        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }
        try assertGreenCallersSuspendOnlyThemselves(pool)

        let unordered = try pool.imapUnordered([300, 1, 2], TestFunctions.nap).map { try $0.get() }
        XCTAssertEqual(unordered.sorted(), [1, 2, 300])
        XCTAssertEqual(try pool.imap(0..<5, TestFunctions.square).map { try $0.get() }, [0, 1, 4, 9, 16])
    }

    func testCallersFromAsyncCode() async throws {
        let cluster = try DistributedTestCluster(processes: 2)
        defer { cluster.stop() }
        try cluster.startMachine()
        let pool = try DistributedPool(configuration: cluster.configuration)
        defer { pool.close() }
        let outputs = try await pool.map(1...20, TestFunctions.square)
        XCTAssertEqual(outputs, (1...20).map { $0 * $0 })
        let one = try await pool.apply(TestFunctions.square, 12)
        XCTAssertEqual(one, 144)
        let future = try pool.applyAsync(TestFunctions.nap, 5)
        let napped = try await future.value
        XCTAssertEqual(napped, 5)
    }

    func testConfigurationFromURLs() throws {
        let tcp = try DistributedConfiguration(url: "postgres://weave:s%40cret@db.example:6543/jobs?sslmode=require")
        XCTAssertEqual(tcp.host, "db.example")
        XCTAssertEqual(tcp.port, 6543)
        XCTAssertEqual(tcp.username, "weave")
        XCTAssertEqual(tcp.password, "s@cret")
        XCTAssertEqual(tcp.database, "jobs")
        guard case .require = tcp.tls else { return XCTFail("sslmode=require gives TLS or nothing") }
        var socket = try DistributedConfiguration(url: "postgresql://postgres@/postgres?host=/tmp/pg")
        XCTAssertEqual(socket.unixSocketPath, "/tmp/pg/.s.PGSQL.5432")
        socket.leaseSeconds = 7.5
        XCTAssertEqual(socket.lease, .milliseconds(7500), "the Double twin sets the Duration")
        XCTAssertEqual(socket.retryBackoffSeconds, 0.1)
        for bad in ["mysql://u@h/d", "postgres://h/d", "postgres://u@h/d?sslmode=sometimes"] {
            XCTAssertThrowsError(try DistributedConfiguration(url: bad)) { error in
                XCTAssertEqual((error as? DistributedError)?.code, .invalidConfiguration, bad)
            }
        }
        var tight = tcp
        tight.lease = .milliseconds(100)
        XCTAssertThrowsError(try DistributedPool(configuration: tight)) { error in
            XCTAssertEqual((error as? DistributedError)?.code, .invalidConfiguration)
        }
    }
}
