#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// Every function here is nonisolated and is entered from a detached task, so `Task { }`
// and child tasks run on the default global (cooperative) executor, never the main actor.

// MARK: greenlet suite

/// Two tasks each call `Task.yield()` n times: 2n yields, measured as wall time.
func benchYield(_ n: Int) async -> UInt64 {
    let start = nowNs()
    let a = Task { for _ in 0..<n { await Task.yield() } }
    let b = Task { for _ in 0..<n { await Task.yield() } }
    await a.value
    await b.value
    return nowNs() - start
}

/// Spawn a task, await its value, n times.
func benchSpawnAwait(_ n: Int) async -> UInt64 {
    let start = nowNs()
    for _ in 0..<n {
        let task = Task {}
        await task.value
    }
    return nowNs() - start
}

/// Collects parked continuations and wakes a waiter once `target` tasks have parked.
final class ParkingLot: Sendable {
    struct State {
        var parked: [UnsafeContinuation<Void, Never>] = []
        var target: Int
        var waiter: UnsafeContinuation<Void, Never>?
    }
    let state: Mutex<State>

    init(target: Int) {
        state = Mutex(State(target: target))
        state.withLock { $0.parked.reserveCapacity(target) }
    }

    func park(_ continuation: UnsafeContinuation<Void, Never>) {
        let waiter = state.withLock { s -> UnsafeContinuation<Void, Never>? in
            s.parked.append(continuation)
            guard s.parked.count == s.target, let w = s.waiter else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    func waitUntilAllParked() async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.parked.count == s.target { return true }
                s.waiter = c
                return false
            }
            if done { c.resume() }
        }
    }
}

/// n unstructured tasks that each start and park on a continuation; creation = spawn until
/// every one has parked.
func childParked(_ n: Int) async -> Never {
    let lot = ParkingLot(target: n)
    let start = nowNs()
    for _ in 0..<n {
        Task { await withUnsafeContinuation { lot.park($0) } }
    }
    await lot.waitUntilAllParked()
    let created = nowNs() - start
    childReport([("create_ms", Double(created) / 1e6), ("rss_mb", peakRSSMB())])
}

// MARK: hub suite

/// n child tasks in one TaskGroup, then wait for all.
func benchTaskGroup(_ n: Int) async -> UInt64 {
    let start = nowNs()
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<n { group.addTask {} }
        await group.waitForAll()
    }
    return nowNs() - start
}

/// n round trips through two AsyncStreams (ping yields into one, pong echoes into the other).
func benchStreamRoundTrip(_ n: Int) async -> UInt64 {
    let (requests, requestSink) = AsyncStream.makeStream(of: Int.self)
    let (replies, replySink) = AsyncStream.makeStream(of: Int.self)
    let pong = Task {
        for await value in requests { replySink.yield(value) }
        replySink.finish()
    }
    var replyIterator = replies.makeAsyncIterator()
    let start = nowNs()
    for i in 0..<n {
        requestSink.yield(i)
        _ = await replyIterator.next()
    }
    let elapsed = nowNs() - start
    requestSink.finish()
    await pong.value
    return elapsed
}

func childSleepers(_ n: Int) async -> Never {
    let start = nowNs()
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<n {
            group.addTask { try? await Task.sleep(nanoseconds: 500_000_000) }
        }
        await group.waitForAll()
    }
    let wall = nowNs() - start
    childReport([("wall_s", Double(wall) / 1e9), ("rss_mb", peakRSSMB())])
}

/// count tasks each sleep a random 0..<100 ms; the p99 of how late each woke, in ms.
func timerP99LateMs(count: Int = 10_000, maxNs: UInt64 = 100_000_000, seed: UInt64) async -> Double {
    var rng = SplitMix64(state: seed)
    let delays = (0..<count).map { _ in UInt64.random(in: 0..<maxNs, using: &rng) }
    var late: [Double] = []
    late.reserveCapacity(count)
    await withTaskGroup(of: Double.self) { group in
        for delay in delays {
            group.addTask {
                let start = nowNs()
                try? await Task.sleep(nanoseconds: delay)
                return (Double(nowNs() - start) - Double(delay)) / 1e6
            }
        }
        for await value in group { late.append(value) }
    }
    late.sort()
    return late[min(count - 1, Int(0.99 * Double(count)))]
}
