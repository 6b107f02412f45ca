#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Weave

extension Tour {
    /// What the chapters' child processes tell the tour process. Children do not call
    /// `emit` themselves: a forked copy of `emit` would print from another process, out of
    /// order with the parent, or into a test's buffer that the parent never sees. They send
    /// their lines here, and the tour process emits them in arrival order.
    private enum ChapterMessage: Codable, Sendable {
        case line(String)
        case daemonPid(Int32)
        case finished
    }

    /// Source program 1: a daemon child prints its pid and name while the parent asks
    /// "is the child alive?" once a second; the child dies with the parent.
    ///
    /// ```python
    /// from multiprocessing import Process, current_process
    /// import os, time
    /// def func(arg):
    ///     print("child", os.getpid(), current_process().name, arg)
    ///     while True:
    ///         time.sleep(1)
    /// if __name__ == "__main__":
    ///     p = Process(target=func, args=("hello",), name="daemon-child", daemon=True)
    ///     p.start()
    ///     while True:
    ///         print("is the child alive?", p.is_alive())
    ///         time.sleep(1)
    /// ```
    ///
    /// The program's parent runs as a process of its own, so the tour can end it the hard
    /// way after three polls (SIGKILL, like a crash) and show that the daemon child went
    /// with it.
    public func processDaemon() throws {
        let scale = timeScale
        let messages = try ProcessQueue<ChapterMessage>()
        let program = ChildProcess(name: "parent", startMethod: .fork) {
            let child = ChildProcess(name: "daemon-child", daemon: true, startMethod: .fork, arguments: "hello") { arg in
                let me = Multiprocessing.currentProcess
                try messages.put(.line("child \(me.pid) \(me.name) \(arg)"))
                while true { Tour.pause(seconds: scale) }
            }
            try child.start()
            try messages.put(.daemonPid(child.pid ?? 0))
            for _ in 0..<3 {
                try messages.put(.line("is the child alive? \(child.isAlive)"))
                Tour.pause(seconds: scale)
            }
            try messages.put(.finished)
            while true { Tour.pause(seconds: scale) }
        }
        try program.start()
        var daemonPid: Int32 = 0
        var childSpoke = false
        var polls: [String] = []
        polling: while true {
            switch try messages.get(timeout: 60 + 10 * scale) {
            case .line(let text) where text.hasPrefix("child "):
                emit(text)
                childSpoke = true
                polls.forEach(emit)
                polls.removeAll()
            case .line(let text):
                // Keep the child's greeting first, as the terminal shows it.
                if childSpoke { emit(text) } else { polls.append(text) }
            case .daemonPid(let pid): daemonPid = pid
            case .finished: break polling
            }
        }
        polls.forEach(emit)
        try program.kill()
        try program.join()
        emit("parent \(program.pid ?? 0) killed with SIGKILL (exit code \(program.exitCode ?? 0))")
        let deadline = Tour.now() + 5
        while Tour.isRunning(daemonPid) && Tour.now() < deadline { Tour.pause(seconds: 0.01) }
        emit("is the daemon child \(daemonPid) still running? \(Tour.isRunning(daemonPid))")
    }

    /// The producer/consumer model over a `ProcessQueue`: one process produces work items,
    /// another consumes them, and `nil` tells the consumer to stop.
    ///
    /// ```python
    /// from multiprocessing import Process, Queue
    /// def producer(q):
    ///     for i in range(5):
    ///         q.put(f"item-{i}"); print("produced", f"item-{i}"); time.sleep(0.5)
    ///     q.put(None)
    /// def consumer(q):
    ///     while (item := q.get()) is not None:
    ///         print("consumed", item)
    /// q = Queue()
    /// ps = [Process(target=producer, args=(q,)), Process(target=consumer, args=(q,))]
    /// for p in ps: p.start()
    /// for p in ps: p.join()
    /// ```
    public func producerConsumer() throws {
        let scale = timeScale
        let work = try ProcessQueue<String?>()
        let lines = try ProcessQueue<ChapterMessage>()
        let producer = ChildProcess(name: "producer", startMethod: .fork) {
            for i in 0..<5 {
                try lines.put(.line("produced item-\(i)"))
                try work.put("item-\(i)")
                Tour.pause(seconds: 0.5 * scale)
            }
            try work.put(nil)
        }
        let consumer = ChildProcess(name: "consumer", startMethod: .fork) {
            while let item = try work.get() {
                try lines.put(.line("consumed \(item)"))
            }
            try lines.put(.finished)
        }
        try producer.start()
        try consumer.start()
        while case .line(let text) = try lines.get(timeout: 60 + 10 * scale) {
            emit(text)
        }
        try producer.join()
        try consumer.join()
        emit("producer exit code \(producer.exitCode ?? -1), consumer exit code \(consumer.exitCode ?? -1)")
    }

    // MARK: Helpers

    static func pause(seconds: Double) {
        guard seconds > 0 else { return }
        usleep(UInt32(min(seconds, 4000) * 1_000_000))
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Whether `pid` still runs: it exists and is not a zombie waiting to be reaped.
    static func isRunning(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        #if os(Linux)
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return false }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let close = line.lastIndex(of: ")") else { return true }
        let state = line[line.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
        #else
        return true
        #endif
    }
}
