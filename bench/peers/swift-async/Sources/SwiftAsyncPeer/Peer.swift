#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// swift-async-peer greenlet | hub     prints the suite's JSON object on stdout
/// swift-async-peer --list-suites      prints the suites this peer runs
/// swift-async-peer --child parked N   internal: one memory workload in a fresh process
/// swift-async-peer --child sleepers N internal: likewise
@main
struct SwiftAsyncPeer {
    static func main() async {
        let args = Array(CommandLine.arguments.dropFirst())
        // Leave the main actor: everything runs on the global cooperative executor.
        await Task.detached { await run(args) }.value
    }
}

func swiftVersion() -> String {
    #if swift(>=6.4)
    return "Swift 6.4+"
    #elseif swift(>=6.3)
    return "Swift 6.3"
    #elseif swift(>=6.2)
    return "Swift 6.2"
    #elseif swift(>=6.1)
    return "Swift 6.1"
    #else
    return "Swift 6.0"
    #endif
}

func run(_ args: [String]) async {
    if args == ["--list-suites"] {
        print("greenlet hub")
        return
    }
    if args.count == 3, args[0] == "--child", let n = Int(args[2]) {
        switch args[1] {
        case "parked": await childParked(n)
        case "sleepers": await childSleepers(n)
        default: break
        }
        log("unknown child workload \(args[1])")
        exit(2)
    }
    guard args.count == 1, ["greenlet", "hub"].contains(args[0]) else {
        log("usage: swift-async-peer greenlet|hub|--list-suites")
        exit(2)
    }
    let suite = args[0]
    var results: [BenchResult] = []
    if suite == "greenlet" {
        log("swift-async: switch (Task.yield, two tasks)")
        results.append(BenchResult(name: "switch", value: await bestNsPerOp(opsPerN: 2, benchYield), unit: "ns"))
        log("swift-async: create_switch_finish (Task {} + await value)")
        results.append(BenchResult(name: "create_switch_finish", value: await bestNsPerOp(benchSpawnAwait), unit: "ns"))
        for (label, n) in [("100k", 100_000), ("1m", 1_000_000)] {
            log("swift-async: parked_\(label) (fresh process)")
            if let r = runChild(["parked", String(n)]), let ms = r["create_ms"], let mb = r["rss_mb"] {
                results.append(BenchResult(name: "parked_\(label)_create", value: ms, unit: "ms"))
                results.append(BenchResult(name: "parked_\(label)_rss", value: mb, unit: "MB"))
            }
        }
    } else {
        log("swift-async: spawn_join (Task {} + await value)")
        results.append(BenchResult(name: "spawn_join", value: await bestNsPerOp(benchSpawnAwait), unit: "ns"))
        log("swift-async: spawn_join_100k (TaskGroup)")
        _ = await benchTaskGroup(100_000)  // warm-up
        var best = UInt64.max
        for _ in 0..<5 { best = min(best, await benchTaskGroup(100_000)) }
        results.append(BenchResult(name: "spawn_join_100k", value: Double(best) / 100_000, unit: "ns"))
        log("swift-async: sleep0 (Task.yield, two tasks)")
        results.append(BenchResult(name: "sleep0", value: await bestNsPerOp(opsPerN: 2, benchYield), unit: "ns"))
        log("swift-async: queue_roundtrip (AsyncStream pair)")
        results.append(BenchResult(name: "queue_roundtrip", value: await bestNsPerOp(benchStreamRoundTrip), unit: "ns"))
        log("swift-async: sleepers_100k (fresh process)")
        if let r = runChild(["sleepers", "100000"]), let wall = r["wall_s"], let mb = r["rss_mb"] {
            results.append(BenchResult(name: "sleepers_100k_wall", value: wall, unit: "s"))
            results.append(BenchResult(name: "sleepers_100k_rss", value: mb, unit: "MB"))
        }
        log("swift-async: timer_p99_late (median of 3 runs)")
        var p99s: [Double] = []
        for seed in 1...3 { p99s.append(await timerP99LateMs(seed: UInt64(seed))) }
        p99s.sort()
        results.append(BenchResult(name: "timer_p99_late", value: p99s[1], unit: "ms"))
    }
    let threads = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    let peer = "\(swiftVersion()) async/await, default executor (\(threads) CPUs)"
    print(reportJSON(suite: suite, peer: peer, results: results))
    fflush(nil)
}
