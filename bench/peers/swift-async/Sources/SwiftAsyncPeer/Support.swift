#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic time in nanoseconds.
@inline(__always)
func nowNs() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func log(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Peak resident set size of this process in MiB (`ru_maxrss` is KiB on Linux).
func peakRSSMB() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    #if canImport(Darwin)
    return Double(usage.ru_maxrss) / 1_048_576
    #else
    return Double(usage.ru_maxrss) / 1024
    #endif
}

/// `run(n)` performs n iterations and returns elapsed nanoseconds; each iteration is
/// `opsPerN` operations. Calibrates n so a round takes about 200 ms (the calibration is the
/// warm-up), then returns the best ns per operation over five rounds.
func bestNsPerOp(opsPerN: Int = 1, _ run: (Int) async -> UInt64) async -> Double {
    var n = 256
    var elapsed: UInt64
    while true {
        elapsed = await run(n)
        if elapsed >= 30_000_000 { break }
        n *= 4
    }
    n = max(1, Int(Double(n) * 200_000_000 / Double(max(elapsed, 1))))
    var best = UInt64.max
    for _ in 0..<5 {
        best = min(best, await run(n))
    }
    return Double(best) / Double(n * opsPerN)
}

struct BenchResult {
    var name: String
    var value: Double
    var unit: String
    var lowerIsBetter = true
}

func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

func jsonNumber(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    return "\((value * 10_000).rounded() / 10_000)"
}

func reportJSON(suite: String, peer: String, results: [BenchResult]) -> String {
    let rows = results.map {
        "{\"name\": \(jsonString($0.name)), \"value\": \(jsonNumber($0.value)), "
            + "\"unit\": \(jsonString($0.unit)), \"lower_is_better\": \($0.lowerIsBetter)}"
    }
    return "{\"suite\": \(jsonString(suite)), \"peer\": \(jsonString(peer)), "
        + "\"results\": [\(rows.joined(separator: ", "))]}"
}

/// Seconds a fresh-process workload may take before it is killed and its figures dropped.
func childTimeoutSeconds() -> Double {
    if let raw = getenv("PEER_CHILD_TIMEOUT"), let value = Double(String(cString: raw)) {
        return value
    }
    return 60
}

/// Runs this executable again as `--child <args>` and returns the `key=value` figures it
/// prints on one line, or nil when it failed or ran out of time.
func runChild(_ args: [String]) -> [String: Double]? {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return nil }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])

    let exe = "/proc/self/exe"
    let argv: [UnsafeMutablePointer<CChar>?] = ([exe, "--child"] + args).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = argv.withUnsafeBufferPointer { buf in
        posix_spawn(&pid, exe, &actions, nil, buf.baseAddress!, environ)
    }
    close(fds[1])
    guard rc == 0 else {
        close(fds[0])
        log("  posix_spawn failed: \(rc)")
        return nil
    }

    let deadline = nowNs() + UInt64(childTimeoutSeconds() * 1e9)
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    var timedOut = false
    while true {
        let now = nowNs()
        if now >= deadline { timedOut = true; break }
        var pfd = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(min((deadline - now) / 1_000_000 + 1, 1000)))
        if ready < 0 && errno != EINTR { break }
        if ready <= 0 { continue }
        let got = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        if got <= 0 { break }
        output += chunk[0..<got]
    }
    close(fds[0])
    if timedOut { kill(pid, SIGKILL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if timedOut {
        log("  \(args.joined(separator: " ")): over \(Int(childTimeoutSeconds())) s, skipped")
        return nil
    }
    guard status == 0 else {
        log("  \(args.joined(separator: " ")): child failed (status \(status)), skipped")
        return nil
    }
    var fields: [String: Double] = [:]
    let text = String(decoding: output, as: UTF8.self)
    for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        let kv = pair.split(separator: "=", maxSplits: 1)
        if kv.count == 2, let v = Double(kv[1]) { fields[String(kv[0])] = v }
    }
    return fields
}

/// A child prints its figures and leaves at once, without unwinding what it built.
func childReport(_ fields: [(String, Double)]) -> Never {
    print(fields.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
    fflush(nil)
    exit(0)
}

/// A small deterministic generator so every run draws the same delays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
