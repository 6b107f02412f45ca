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

    /// Source program 1, line by line:
    ///
    /// ```python
    /// def func(arg):
    ///     pname = multiprocessing.current_process().name
    ///     pid = multiprocessing.current_process().pid
    ///     print("当前进程ID=%d,name=%s" % (pid, pname))
    ///     for i in range(5):
    ///         print(arg)
    ///         time.sleep(1)
    ///
    /// if __name__ == "__main__":
    ///     pname = multiprocessing.current_process().name
    ///     pid = multiprocessing.current_process().pid
    ///     print("当前进程ID=%d,name=%s" % (pid, pname))
    ///     p = multiprocessing.Process(target=func, args=("hello",))
    ///     p.daemon = True  # 设为【守护进程】(随主进程的结束而结束)
    ///     p.start()
    ///     while True:
    ///         print("子进程是否活着?", p.is_alive())
    ///         time.sleep(1)
    ///     print("main over")
    /// ```
    ///
    /// The Python loop never ends; the tour polls until two polls after the child has
    /// finished, so `False` shows, and then prints `main over`. It then shows what the
    /// daemon flag means: see ``daemonDiesWithItsParent()``.
    public func processProgram() throws {
        let scale = timeScale
        let language = language
        let childLines = try ProcessQueue<ChapterMessage>()

        let me = Multiprocessing.currentProcess
        say("当前进程ID=\(me.pid),name=\(me.name)", "current process ID=\(me.pid),name=\(me.name)")

        let p = ChildProcess(startMethod: .fork, arguments: "hello") { arg in
            let me = Multiprocessing.currentProcess
            try childLines.put(.line(language.pick("当前进程ID=\(me.pid),name=\(me.name)", "current process ID=\(me.pid),name=\(me.name)")))
            for _ in 0..<5 {
                try childLines.put(.line(arg))
                Tour.pause(seconds: scale)
            }
        }
        p.isDaemon = true
        try p.start()

        var pollsAfterExit = 0
        while pollsAfterExit < 2 {
            let alive = p.isAlive
            say("子进程是否活着? \(Tour.python(alive))", "is the child process alive? \(Tour.python(alive))")
            if !alive { pollsAfterExit += 1 }
            try relayLines(from: childLines, for: scale)
        }
        try relayLines(from: childLines, for: 0)
        try p.join()
        say("main over")
        try daemonDiesWithItsParent()
    }

    /// Emits the lines that arrive on `queue` during the next `seconds` — the program's
    /// `time.sleep`, during which the child's lines reach the terminal — or, for 0, the
    /// lines already there.
    private func relayLines(from queue: ProcessQueue<ChapterMessage>, for seconds: Double) throws {
        let deadline = Tour.now() + seconds
        while true {
            let remaining = deadline - Tour.now()
            let message: ChapterMessage?
            do {
                message = remaining > 0 ? try queue.get(timeout: remaining) : try queue.getNowait()
            } catch let error as MultiprocessingError where error.code == .queueEmpty || error.code == .timedOut {
                return
            }
            if case .line(let text)? = message { emit(.line(text)) }
        }
    }

    /// What `p.daemon = True` means: a parent that dies takes its daemon child with it.
    ///
    /// The program's parent runs as a process of its own here, so that the tour can end it
    /// the hard way (SIGKILL, like a crash) while its daemon child still runs, and show
    /// that the child went with it.
    public func daemonDiesWithItsParent() throws {
        let scale = timeScale
        let messages = try ProcessQueue<ChapterMessage>()
        let program = ChildProcess(name: "parent", startMethod: .fork) {
            let child = ChildProcess(name: "daemon-child", daemon: true, startMethod: .fork) {
                while true { Tour.pause(seconds: scale) }
            }
            try child.start()
            try messages.put(.daemonPid(child.pid ?? 0))
            while true { Tour.pause(seconds: scale) }
        }
        try program.start()
        guard case .daemonPid(let daemonPid) = try messages.get(timeout: 60) else { return }
        note("a parent (pid \(program.pid ?? 0)) starts a daemon child (pid \(daemonPid)); is the child running? \(Tour.isRunning(daemonPid))")
        try program.kill()
        try program.join()
        let deadline = Tour.now() + 5
        while Tour.isRunning(daemonPid) && Tour.now() < deadline { Tour.pause(seconds: 0.01) }
        note("the parent is killed with SIGKILL (exit code \(program.exitCode ?? 0)); is its daemon child still running? \(Tour.isRunning(daemonPid))")
    }

    /// The producer/consumer model from the tutorial's prose, over a `ProcessQueue`: one
    /// process produces work items, another consumes them, and `nil` tells the consumer
    /// to stop.
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
            say(text)
        }
        try producer.join()
        try consumer.join()
        note("producer exit code \(producer.exitCode ?? -1), consumer exit code \(consumer.exitCode ?? -1)")
    }

    // MARK: Helpers

    /// `time.sleep(seconds)`: blocks the thread.
    static func pause(seconds: Double) {
        guard seconds > 0 else { return }
        usleep(UInt32(min(seconds, 4000) * 1_000_000))
    }

    /// Monotonic seconds.
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A Bool as Python prints it.
    static func python(_ value: Bool) -> String {
        value ? "True" : "False"
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
