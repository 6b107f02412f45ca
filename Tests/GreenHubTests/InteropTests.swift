import GreenHub
import Greenlets
import NIOCore
import NIOPosix
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

private struct Refused: Error {}

final class InteropTests: XCTestCase {
    func testAwaitCallsAnAsyncFunctionAndBlocksOnlyTheGreenlet() throws {
        var ticks = 0
        let ticker = Green.spawn {
            for _ in 0..<5 {
                ticks += 1
                try Green.sleep(0.001)
            }
        }
        let value = try Green.await { () async throws -> Int in
            try await Task.sleep(nanoseconds: 20_000_000)
            return 7
        }
        XCTAssertEqual(value, 7)
        try ticker.join()
        XCTAssertEqual(ticks, 5)
    }

    func testAwaitRethrowsTheAsyncError() {
        XCTAssertThrowsError(try Green.await { () async throws -> Int in throw Refused() }) {
            XCTAssertTrue($0 is Refused)
        }
    }

    func testAwaitWithTimeoutCancelsTheTask() throws {
        let cancelled = UncheckedBox(false)
        XCTAssertThrowsError(
            try Green.await(timeout: 0.01) { () async throws -> Int in
                do {
                    try await Task.sleep(nanoseconds: 5_000_000_000)
                } catch {
                    cancelled.value = true
                    throw error
                }
                return 1
            }
        ) { XCTAssertTrue($0 is GreenTimeoutError) }
        try Green.sleep(0.05)
        XCTAssertTrue(cancelled.value)
    }

    func testRunBlockingRunsOnAnotherThreadWhileGreenThreadsRun() throws {
        let hubThread = pthread_self()
        var ticks = 0
        let ticker = Green.spawn {
            for _ in 0..<3 {
                ticks += 1
                try Green.sleep(0.001)
            }
        }
        let ranElsewhere = try Green.runBlocking { () -> Bool in
            usleep(20_000)
            return pthread_equal(pthread_self(), hubThread) == 0
        }
        XCTAssertTrue(ranElsewhere)
        try ticker.join()
        XCTAssertEqual(ticks, 3)
    }

    func testBlockingWorkInAGreenThreadWhileMainJoinsIsNoDeadlock() throws {
        let worker = Green.spawn { () -> Int in
            try Green.runBlocking { () -> Int in
                usleep(10_000)
                return 1
            }
        }
        XCTAssertEqual(try worker.get(), 1)
    }

    func testWaitingOnAFutureOfTheHubsOwnLoop() throws {
        let loop = Hub.current.eventLoop!
        let future = loop.scheduleTask(in: .milliseconds(10)) { 11 }.futureResult
        XCTAssertEqual(try Green.wait(future), 11)
    }

    func testWaitingOnAFutureOfAnotherLoop() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let future = group.next().scheduleTask(in: .milliseconds(5)) { "elsewhere" }.futureResult
        XCTAssertEqual(try Green.wait(future), "elsewhere")
        // A hub's thread is an event-loop thread: NIO's blocking shutdown would trap here.
        try Green.await { try await group.shutdownGracefully() }
    }

    func testAsyncCodeRunsGreenCodeOnAHubThread() async throws {
        let remote = try Hub.startThread()
        let value = try await remote.run { () -> Int in
            let parts = (1...4).map { n in Green.spawn { () -> Int in try Green.sleep(0.001); return n } }
            return try parts.reduce(0) { $0 + (try $1.get()) }
        }
        XCTAssertEqual(value, 10)
        let failure = try? await remote.run { () -> Int in throw Refused() }
        XCTAssertNil(failure)
    }

    func testOtherThreadsSubmitWorkToTheHubUnderStress() throws {
        let remote = Hub.current.makeRemote()
        let threads = 4
        let perThread = 2_000
        var received = 0
        var handles: [pthread_t] = []
        for _ in 0..<threads {
            let context = Unmanaged.passRetained(
                StressContext(remote: remote, count: perThread) { received += 1 }
            ).toOpaque()
            var handle = pthread_t()
            XCTAssertEqual(
                pthread_create(&handle, nil, { raw in
                    let context = Unmanaged<StressContext>.fromOpaque(raw!).takeRetainedValue()
                    for _ in 0..<context.count {
                        context.remote.submit(context.onHub)
                    }
                    return nil
                }, context), 0)
            handles.append(handle)
        }
        let waiter = Green.spawn {
            while received < threads * perThread { try Green.sleep(0.001) }
        }
        try waiter.join(timeout: 30)
        for handle in handles { pthread_join(handle, nil) }
        XCTAssertEqual(received, threads * perThread)
    }
}

private final class StressContext: @unchecked Sendable {
    let remote: HubRemote
    let count: Int
    let onHub: @Sendable () -> Void

    init(remote: HubRemote, count: Int, onHub: @escaping () -> Void) {
        self.remote = remote
        self.count = count
        let box = UncheckedBox(onHub)
        self.onHub = { box.value() }
    }
}
