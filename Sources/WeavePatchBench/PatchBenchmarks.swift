import CWeaveCurl
import CWeavePatch
import Dispatch
import GreenHub
import GreenNet
import GreenPatch
import WeaveBench

#if canImport(Glibc)
import Glibc
#endif

/// The `patch` suite: what GreenPatch's hooks cost when they pass through, and what they
/// give a blocking C library (libcurl's easy API).
///
/// It patches the process it runs in, so it runs in its own executable
/// (`weave-patch-bench`), which links GreenPatch and libcurl; `weave bench patch` runs it.
public enum PatchBenchmarks {
    /// Each crawled page's delay on the server: 0.2–0.5 s.
    static let pageDelays = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.3]

    /// Patches this process and runs the suite.
    public static func run() throws -> [BenchmarkResult] {
        GreenPatch.patchAll()
        var results: [BenchmarkResult] = []
        // Plain threads, without a hub: the hooks' pass-through path.
        results.append(try onPlainThread { decision() })
        results += try onPlainThread { try pipeReads() }
        results += try crawl()
        return results
    }

    /// The decision alone: patched, on a thread without a hub.
    static func decision() -> BenchmarkResult {
        let iterations = 100_000_000
        var waiting: UInt64 = 0
        let nanoseconds = BenchmarkClock.bestNanosecondsPerIteration(iterations: iterations) { count in
            waiting &+= weave_patch_count_waiting_decisions(UInt64(count))
        }
        precondition(waiting == 0, "a plain thread's calls must pass through")
        return BenchmarkResult(name: "hooked_passthrough_decision_ns", value: nanoseconds, unit: .nanoseconds)
    }

    /// A 1-byte read from a full pipe, through the hook and straight to glibc, in
    /// alternating rounds of the same run.
    static func pipeReads() throws -> [BenchmarkResult] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BenchmarkError.workloadFailed("patch", "pipe failed: errno \(errno)") }
        defer {
            close(fds[0])
            close(fds[1])
        }
        // Half a default pipe's capacity: each round's bytes fit without blocking.
        let batch = 32768
        let filler = [UInt8](repeating: 1, count: batch)
        var byte: UInt8 = 0
        var hooked = Double.infinity
        var unhooked = Double.infinity
        for _ in 0..<20 {
            for viaHook in [true, false] {
                guard write(fds[1], filler, batch) == batch else {
                    throw BenchmarkError.workloadFailed("patch", "could not fill the pipe")
                }
                let elapsed = BenchmarkClock.measure {
                    for _ in 0..<batch {
                        if viaHook {
                            _ = read(fds[0], &byte, 1)
                        } else {
                            _ = weave_patch_real_read(fds[0], &byte, 1)
                        }
                    }
                }
                let perRead = elapsed / Double(batch)
                if viaHook { hooked = min(hooked, perRead) } else { unhooked = min(unhooked, perRead) }
            }
        }
        return [
            BenchmarkResult(name: "hooked_read_passthrough_ns", value: hooked, unit: .nanoseconds),
            BenchmarkResult(name: "unhooked_read_ns", value: unhooked, unit: .nanoseconds),
        ]
    }

    /// Eight blocking curl_easy_perform GETs in eight greenlets of this thread, from a
    /// server on another thread whose pages take 0.2–0.5 s: the crawl's time over the
    /// slowest page's (1 would be perfect overlap; serially it is the sum over the
    /// slowest, 5.5).
    static func crawl() throws -> [BenchmarkResult] {
        let port = try startPageServer()
        var failures: [String] = []
        let elapsed = try BenchmarkClock.measure {
            let fetchers = pageDelays.indices.map { index in
                Green.spawn {
                    var page = weave_curl_page()
                    if weave_curl_get("http://127.0.0.1:\(port)/page/\(index)", 20_000, &page) != 0 {
                        failures.append("page \(index): \(page.curl_code)")
                    }
                }
            }
            try fetchers.forEach { try $0.get() }
        }
        guard failures.isEmpty else { throw BenchmarkError.workloadFailed("curl crawl", failures.joined(separator: ", ")) }
        let slowest = pageDelays.max()! * 1e9
        return [
            BenchmarkResult(name: "curl_crawl_8_patched", value: elapsed / slowest, unit: .ratio),
            BenchmarkResult(name: "curl_crawl_8_patched_s", value: elapsed / 1e9, unit: .seconds),
        ]
    }

    /// Starts the page server on a thread of its own (with its own hub) and returns its
    /// port; the thread serves until the process ends.
    private static func startPageServer() throws -> Int {
        let started = DispatchSemaphore(value: 0)
        let outcome = ThreadOutcome<Int>()
        let delays = pageDelays
        let created = startDetachedThread {
            let server: GreenHTTPServer
            do {
                server = try GreenHTTPServer { request in
                    let index = Int(request.uri.split(separator: "/").last ?? "") ?? 0
                    try Green.sleep(delays[index % delays.count])
                    return GreenHTTPResponse(text: "page \(index)")
                }
                server.start()
                outcome.result = .success(server.port)
                started.signal()
            } catch {
                outcome.result = .failure(error)
                started.signal()
                return
            }
            // The main greenlet parks while the hub serves, until the process ends.
            withExtendedLifetime(server) {
                while (try? Green.sleep(3600)) != nil {}
            }
        }
        guard created == 0 else { throw BenchmarkError.workloadFailed("curl crawl", "pthread_create: \(created)") }
        started.wait()
        return try outcome.result!.get()
    }

    /// Runs `body` on a new thread, which has no hub, waits for it and returns its result.
    private static func onPlainThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) throws -> Value {
        let outcome = ThreadOutcome<Value>()
        let done = DispatchSemaphore(value: 0)
        let created = startDetachedThread {
            outcome.result = Result { try body() }
            done.signal()
        }
        guard created == 0 else { throw BenchmarkError.workloadFailed("patch", "pthread_create: \(created)") }
        done.wait()
        return try outcome.result!.get()
    }
}

/// A value handed from a thread to the one waiting for it.
private final class ThreadOutcome<Value>: @unchecked Sendable {
    // Written before the semaphore is signalled, read after it is waited on.
    var result: Result<Value, any Error>?
}
