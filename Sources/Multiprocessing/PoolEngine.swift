#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DequeModule
import Logging

/// The machinery under ``WorkerPool`` and ``ProcessPool``: worker processes, each with a socket
/// of its own, and the jobs they hold.
///
/// There is no background thread. Whoever waits for the pool drives it: a `map`, an
/// `imap`'s next element, an async result's `get`, `join`. Driving hands pending jobs to
/// workers, writes their frames, polls every socket and every worker's process descriptor,
/// reads replies (a forked worker's small ones from its `PoolReplyRing`, the rest from its
/// socket), and buries workers that ended: the job a dead worker was running fails
/// with `.workerDied` naming its pid and signal, the jobs queued behind it go back to the
/// front of the line, and a replacement is forked. `submit` hands jobs out at once too, so
/// workers start before anyone waits.
///
/// Closures reach workers only by being copied at the fork: each is numbered in the pool's
/// table, and a worker knows the closures numbered below its generation. A job for a
/// closure no serving worker knows makes the pool fork workers that know it, one for each
/// of its queued jobs up to `processes`, in place of the oldest serving workers, which
/// finish what they hold and leave. A closure's jobs arrive in one `submit`, so an `apply`
/// forks one worker and a `map` of many chunks a whole generation.
final class PoolEngine: @unchecked Sendable {
    struct Configuration: Sendable {
        var processes: Int
        var startMethod: StartMethod
        var initializer: (@Sendable () throws -> Void)?
        var maxTasksPerChild: Int?
        /// Whether one thread of the pool's own drives it (`PoolDriverThread`): then
        /// `submit` only queues and wakes that thread, so that every fork happens there.
        var hasDriverThread = false
    }

    private enum State {
        case running, closed, terminated
        case broken(PoolTaskError)
    }

    static let logger = Logger(label: "weave.multiprocessing.pool")
    /// The most jobs one worker holds: deep enough that tiny jobs flow without a round trip
    /// each, shallow enough that a slow job does not strand many behind it.
    static let maximumWindow = 32
    /// The longest one round waits in `poll`, so that calls from other threads get a turn.
    static let pollSlice = 0.02
    /// Seconds a round that expects a reply, and a worker out of jobs, check their sockets
    /// without sleeping before they sleep in `poll` or `read`. A tiny job's reply, and a
    /// busy caller's next job, arrive within microseconds, while waking a process that
    /// slept costs tens of microseconds on a virtual machine (`bench/NOTES.md`): the spin
    /// takes the wake-ups out of back-to-back round trips and costs at most this much
    /// processor time per wait.
    static let spinSeconds = 50e-6

    let configuration: Configuration
    let metrics = PoolMetrics()
    /// The online processors, read once (`sysconf` reads a file each time).
    private let processors = Multiprocessing.cpuCount
    private let lock = InProcessLock()
    private var state = State.running
    private var closures: [Int: PoolRunner] = [:]
    private var closureUsers: [Int: Int] = [:]
    private var nextClosure = 0
    private var nextJobID: UInt64 = 1
    private var pending = Deque<PoolJob>()
    private var slots: [PoolWorkerSlot] = []
    private var workersStarted = 0
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)
    private var finished: [PoolJob] = []
    /// The pipe `submit` writes a byte into to wake a round waiting in `poll`.
    private let wakeup: (read: Int32, write: Int32)
    /// How many rounds are waiting in `poll` now.
    private var pollers = 0
    /// How many callers drive a pool that has a driver thread (`drive`).
    private var callersDriving = 0
    /// Whether the last round took a reply in: a caller in a loop of round trips sends its
    /// next job within microseconds, so the next round spins for it as for a reply.
    private var tookRepliesLastRound = false

    /// Starts the workers; `resident`, if given, is closure 0 and stays for the pool's life.
    init(_ configuration: Configuration, resident: PoolRunner?) throws {
        guard configuration.processes >= 1 else {
            throw MultiprocessingError(.invalidArgument, context: "a pool needs at least 1 process, got \(configuration.processes)")
        }
        if let limit = configuration.maxTasksPerChild, limit < 1 {
            throw MultiprocessingError(.invalidArgument, context: "maxTasksPerChild must be 1 or more, got \(limit)")
        }
        if configuration.startMethod.kind == .spawn && (configuration.initializer != nil || resident != nil) {
            throw MultiprocessingError(
                .invalidArgument,
                context: "a closure cannot cross exec: a spawn pool runs registered PoolFunctions only, without an initializer")
        }
        self.configuration = configuration
        wakeup = try Syscalls.makeNonBlockingPipe()
        if let resident { _ = addClosureLocked(resident) }
        do {
            try lock.withLock {
                while slots.count < configuration.processes { try startWorker() }
            }
        } catch {
            stopAll(signal: SIGKILL)
            throw error
        }
    }

    deinit {
        stopAll(signal: SIGKILL)
        Syscalls.closeDescriptor(wakeup.read)
        Syscalls.closeDescriptor(wakeup.write)
    }

    /// The serving workers' process ids.
    var processIDs: [Int32] {
        lock.withLock { slots.filter { $0.phase == .serving }.map(\.pid) }
    }

    // MARK: Closures

    /// Numbers `runner` and keeps it until `releaseClosure`; workers forked from now on
    /// know it.
    func addClosure(_ runner: @escaping PoolRunner) -> Int {
        lock.withLock { addClosureLocked(runner) }
    }

    private func addClosureLocked(_ runner: @escaping PoolRunner) -> Int {
        let number = nextClosure
        nextClosure += 1
        closures[number] = runner
        closureUsers[number] = 1
        return number
    }

    /// Drops closure `number` from the table once its last user is done.
    func releaseClosure(_ number: Int) {
        lock.withLock {
            guard let users = closureUsers[number] else { return }
            if users > 1 {
                closureUsers[number] = users - 1
            } else {
                closureUsers[number] = nil
                closures[number] = nil
            }
        }
    }

    // MARK: Work

    /// Queues `jobs` in order and hands out what the workers can take now.
    /// - Throws: `.poolClosed` after `close()` or `terminate()`; the initializer's
    ///   ``PoolTaskError`` when workers cannot start.
    func submit(_ jobs: [PoolJob]) throws {
        try lock.withLock {
            try checkRunning()
            if configuration.startMethod.kind == .spawn, jobs.contains(where: { if case .closure = $0.function { true } else { false } }) {
                throw MultiprocessingError(
                    .invalidArgument, context: "a closure cannot cross exec: a spawn pool runs registered PoolFunctions only")
            }
            for job in jobs {
                job.id = nextJobID
                nextJobID += 1
                pending.append(job)
            }
            if configuration.hasDriverThread {
                // Jobs for the serving workers leave from this thread at once; the driver
                // is woken only for what needs a fork, or frames the sockets did not take.
                dispatch(mayFork: false)
                if !pending.isEmpty || slots.contains(where: \.hasOutbound) { Syscalls.writeByte(wakeup.write) }
            } else {
                dispatch()
                if pollers > 0 { Syscalls.writeByte(wakeup.write) }
            }
        }
        finishJobs()
    }

    /// One round of driving, for the driver thread: waits at most `pollSlice` unless woken.
    func driveRound() {
        round(timeout: nil, mayFork: true)
    }

    /// Whether the pool is closed or terminated and every worker has left: the driver
    /// thread's cue to end.
    var isFinished: Bool {
        lock.withLock {
            if case .running = state { return false }
            return slots.isEmpty && pending.isEmpty
        }
    }

    /// Finishes every queued job that no worker holds yet with `error` (cancelled futures).
    func cancelQueued(with error: any Error) {
        lock.withLock {
            while let job = pending.popFirst() {
                job.result = .failure(error)
                finished.append(job)
            }
        }
        finishJobs()
    }

    /// Drives the pool until `isDone()` holds or the monotonic `deadline` passes; returns
    /// `isDone()`.
    ///
    /// On a pool with a driver thread, a caller that waits in plain code drives it too, so
    /// that its reply reaches it without a hand-off between threads: meanwhile the driver
    /// leaves the sockets to it, and the caller leaves every fork to the driver.
    @discardableResult
    func drive(until isDone: () -> Bool, deadline: Double?) -> Bool {
        let helping = configuration.hasDriverThread
        if helping { lock.withLock { callersDriving += 1 } }
        defer {
            if helping {
                lock.withLock {
                    callersDriving -= 1
                    if callersDriving == 0 && slots.contains(where: { !$0.held.isEmpty }) { Syscalls.writeByte(wakeup.write) }
                }
            }
        }
        while !isDone() {
            let remaining = deadline.map { $0 - Syscalls.monotonicSeconds() }
            if let remaining, remaining <= 0 { return false }
            round(timeout: remaining, mayFork: !helping)
        }
        return true
    }

    /// Runs the finished jobs' `finish` outside the lock.
    private func finishJobs() {
        let done: [PoolJob] = lock.withLock {
            defer { finished.removeAll() }
            return finished
        }
        for job in done {
            if let result = job.result { job.finish(result) }
        }
    }

    private func checkRunning() throws {
        switch state {
        case .running: return
        case .closed, .terminated: throw MultiprocessingError(.poolClosed)
        case .broken(let error): throw error
        }
    }

    /// What one round polls: each entry's slot (nil for the wake-up pipe) and how long to
    /// wait.
    private struct RoundPlan {
        var entries: [pollfd] = []
        var owners: [PoolWorkerSlot?] = []
        var wait = 0.0
        /// Whether to check for events without sleeping first (`spinSeconds`): a reply is on
        /// its way, or the last round took one in.
        var spins = false
        /// The rings of the workers whose sockets the round polls.
        var rings: [PoolReplyRing] = []

        /// Whether a worker committed a reply the round has not taken in.
        var hasCommittedReplies: Bool { rings.contains { $0.hasReplies } }
    }

    /// One round: hand out jobs, wait at most `timeout` (and `pollSlice`) for replies, ends
    /// and wake-ups, take them in, bury the workers that ended. The lock is not held while
    /// the round waits, so that other threads can submit (and wake it) meanwhile.
    private func round(timeout: Double?, mayFork: Bool) {
        var plan = lock.withLock { planRound(timeout: timeout, mayFork: mayFork) }
        if plan.entries.isEmpty {
            Syscalls.sleep(seconds: plan.wait)
        } else if plan.wait > 0 && !(plan.spins && Self.spin(&plan)) {
            for ring in plan.rings { ring.beginSleep() }
            if !plan.hasCommittedReplies {
                do {
                    _ = try Syscalls.pollDescriptors(&plan.entries, timeout: plan.wait)
                } catch {
                    Self.logger.error("pool: poll failed: \(error)")
                    Syscalls.sleep(seconds: plan.wait)
                }
            }
            for ring in plan.rings { ring.endSleep() }
        }
        lock.withLock { takeIn(plan, mayFork: mayFork) }
        finishJobs()
    }

    /// Checks the plan's rings and descriptors without sleeping for at most `spinSeconds`
    /// (`Syscalls.pollBriefly`); returns whether something came in.
    private static func spin(_ plan: inout RoundPlan) -> Bool {
        let rings = plan.rings
        let seconds = min(spinSeconds, plan.wait)
        return plan.entries.withUnsafeMutableBufferPointer { entries in
            Syscalls.pollBriefly(entries, seconds: seconds) { rings.contains(where: \.hasReplies) }
        }
    }

    private func planRound(timeout: Double?, mayFork: Bool) -> RoundPlan {
        dispatch(mayFork: mayFork)
        var plan = RoundPlan()
        plan.entries.reserveCapacity(2 * slots.count + 1)
        // The driver thread leaves the sockets to callers driving meanwhile (`drive`).
        let pollsSockets = !(configuration.hasDriverThread && mayFork && callersDriving > 0)
        for slot in slots {
            if pollsSockets {
                let events = Int16(POLLIN) | (slot.hasOutbound ? Int16(POLLOUT) : 0)
                plan.entries.append(pollfd(fd: slot.socket, events: events, revents: 0))
                plan.owners.append(slot)
                if let ring = slot.ring { plan.rings.append(ring) }
            }
            if let descriptor = slot.process.processDescriptor {
                plan.entries.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
                plan.owners.append(slot)
            }
        }
        plan.entries.append(pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0))
        plan.owners.append(nil)
        plan.wait = finished.isEmpty ? min(timeout ?? Self.pollSlice, Self.pollSlice) : 0
        // A round spins only while a processor is free for it: with every processor busy
        // running a worker, spinning would take time from the workers it waits for.
        let busyWorkers = slots.count { !$0.held.isEmpty }
        plan.spins = pollsSockets && busyWorkers < processors && (tookRepliesLastRound || busyWorkers > 0)
        pollers += 1
        return plan
    }

    private func takeIn(_ plan: RoundPlan, mayFork: Bool) {
        pollers -= 1
        let finishedBefore = finished.count
        for (entry, owner) in zip(plan.entries, plan.owners) where entry.revents != 0 {
            guard let slot = owner else {
                Syscalls.drain(entry.fd)
                continue
            }
            if entry.fd == slot.socket {
                if entry.revents & Int16(POLLOUT) != 0 { slot.flush() }
                if entry.revents & ~Int16(POLLOUT) != 0 { takeReplies(from: slot) }
            } else {
                takeReplies(from: slot)
                slot.reachedEnd = true
            }
        }
        // Replies committed to a ring need no event; a worker that ended committed its last
        // ones before its end showed, so they are all in before it is buried.
        for slot in slots where slot.ring != nil { take(slot.receiveCommitted(), from: slot) }
        let ended = slots.filter(\.reachedEnd)
        if !ended.isEmpty {
            slots.removeAll { $0.reachedEnd }
            for slot in ended { bury(slot) }
        }
        tookRepliesLastRound = finished.count > finishedBefore
        dispatch(mayFork: mayFork)
        if !mayFork && (!pending.isEmpty || slots.count(where: { $0.phase == .serving }) < configuration.processes) {
            Syscalls.writeByte(wakeup.write)
        }
    }

    private func takeReplies(from slot: PoolWorkerSlot) {
        take(slot.receive(into: &scratch), from: slot)
    }

    /// Finishes the jobs `replies` answer. Replies from a worker's ring and its socket may
    /// interleave, so each is matched to its job by id.
    private func take(_ replies: [PoolReply], from slot: PoolWorkerSlot) {
        for reply in replies {
            let id = reply.id
            let result: Result<[UInt8], any Error> =
                reply.succeeded ? .success(reply.payload) : .failure(Self.decodeTaskError(reply.payload, pid: slot.pid))
            if id == 0, case .failure(let error) = result {
                breakPool(error as? PoolTaskError ?? PoolTaskError(describing: error))
                return
            }
            guard let position = slot.held.firstIndex(where: { $0.id == id }) else {
                Self.logger.error("pool: worker \(slot.pid) answered job \(id), which it does not hold")
                continue
            }
            let job = slot.held.remove(at: position)
            reply.succeeded ? metrics.taskCompleted() : metrics.taskFailed()
            job.result = result
            finished.append(job)
        }
    }

    private static func decodeTaskError(_ payload: [UInt8], pid: Int32) -> any Error {
        (try? BinaryCodableDecoder().decode(PoolTaskError.self, from: payload))
            ?? MultiprocessingError(.truncatedMessage, context: "worker \(pid) sent an unreadable error")
    }

    /// Hands pending jobs to serving workers that know their function, forking a new
    /// generation for a closure none knows, and tells idle retiring workers to leave.
    /// Without `mayFork` (a thread other than a pool's driver), it stops at the first job
    /// that needs a fork and leaves the forks to the driver.
    private func dispatch(mayFork: Bool = true) {
        switch state {
        case .running, .closed: break
        case .terminated, .broken: return
        }
        if mayFork { fillWorkers() }
        // The workers that can take a job, kept while the jobs' function stays the same.
        var candidates: [PoolWorkerSlot] = []
        var candidatesFunction: PoolJobFunction?
        while let job = pending.first {
            if job.function != candidatesFunction {
                candidates = slots.filter { $0.takesJobs && $0.knows(job.function) }
                candidatesFunction = job.function
            }
            if candidates.isEmpty {
                guard mayFork else { break }
                candidatesFunction = nil
                // No serving worker knows this closure: fork workers that do, as many as its
                // queued jobs can use, in place of the oldest serving ones.
                let serving = slots.filter { $0.phase == .serving }.sorted(by: Self.replacedFirst)
                for slot in serving.prefix(workersNeeded(upTo: configuration.processes)) { slot.phase = .retiring }
                guard fillWorkers() else { break }
                if !slots.contains(where: { $0.phase == .serving && $0.knows(job.function) }) {
                    pending.removeFirst()
                    job.result = .failure(MultiprocessingError(.invalidArgument, context: "\(job.function) was released before its work ran"))
                    finished.append(job)
                }
                continue
            }
            let window = min(Self.maximumWindow, 1 + pending.count / candidates.count)
            guard let slot = candidates.min(by: { $0.held.count < $1.held.count }), slot.held.count < window else { break }
            pending.removeFirst()
            if let start = job.start, !start() {
                job.result = .failure(MultiprocessingError(.poolClosed, context: "the task was cancelled before it started"))
                finished.append(job)
                continue
            }
            slot.send(job)
            if let limit = configuration.maxTasksPerChild, slot.jobsTaken >= limit {
                slot.phase = .retiring
                candidatesFunction = nil
                if mayFork { fillWorkers() }
            }
        }
        for slot in slots { slot.flush() }
        let closing: Bool
        if case .closed = state { closing = pending.isEmpty } else { closing = false }
        for slot in slots where slot.held.isEmpty && !slot.hasOutbound {
            if slot.phase == .retiring || (closing && slot.phase == .serving) {
                slot.phase = .exiting
                Syscalls.shutdown(slot.socket, writing: true)
            }
        }
    }

    /// How many workers, up to `limit`, a new generation needs: one for each pending job
    /// of a closure that no worker taking jobs knows, at least one, and `limit` when no
    /// worker takes jobs.
    private func workersNeeded(upTo limit: Int) -> Int {
        guard let known = slots.lazy.filter(\.takesJobs).map(\.generation).max() else { return limit }
        var count = 0
        for job in pending {
            if case .closure(let number) = job.function, number >= known {
                count += 1
                if count == limit { break }
            }
        }
        return max(count, 1)
    }

    /// The order in which serving workers make room for a new generation: those whose end
    /// of the socket is gone, then the oldest, then the least busy.
    private static func replacedFirst(_ first: PoolWorkerSlot, _ second: PoolWorkerSlot) -> Bool {
        if first.reachedEnd != second.reachedEnd { return first.reachedEnd }
        if first.generation != second.generation { return first.generation < second.generation }
        return first.held.count < second.held.count
    }

    /// Forks workers until `processes` serve; returns whether at least one serves. A fork
    /// that fails fails the pending jobs when no worker is left to run them.
    @discardableResult
    private func fillWorkers() -> Bool {
        if case .closed = state, pending.isEmpty { return slots.contains { $0.phase == .serving } }
        do {
            while slots.count(where: { $0.phase == .serving }) < configuration.processes { try startWorker() }
        } catch {
            Self.logger.error("pool: cannot start a worker: \(error)")
            if !slots.contains(where: { $0.phase == .serving }) {
                while let job = pending.popFirst() {
                    job.result = .failure(error)
                    finished.append(job)
                }
                return false
            }
        }
        return true
    }

    private func startWorker() throws {
        let (parentEnd, childEnd) = try ProcessPipe.make()
        workersStarted += 1
        let name = "PoolWorker-\(workersStarted)"
        let process: ChildProcess
        var ring: PoolReplyRing?
        switch configuration.startMethod.kind {
        case .fork:
            PoolWorkerLoop.warmUp
            let table = closures
            let initializer = configuration.initializer
            let replyRing = try PoolReplyRing()
            ring = replyRing
            let inherited = slots.flatMap { [$0.socket] + ($0.process.processDescriptor.map { [$0] } ?? []) + ($0.ring.map { [$0.descriptor] } ?? []) }
                + [parentEnd.descriptor, wakeup.read, wakeup.write, replyRing.descriptor]
            process = ChildProcess(name: name, daemon: true, startMethod: configuration.startMethod) {
                for descriptor in inherited { Syscalls.closeDescriptor(descriptor) }
                try PoolWorkerLoop.run(socket: childEnd.descriptor, ring: replyRing, closures: table, initializer: initializer)
            }
        case .spawn:
            process = ChildProcess(
                name: name, daemon: true, startMethod: configuration.startMethod,
                entryPoint: PoolWorkerLoop.entryPoint, arguments: PoolWorkerLoop.SpawnArguments(connection: childEnd))
        }
        try process.start()
        childEnd.close()
        slots.append(PoolWorkerSlot(process: process, connection: parentEnd, ring: ring, generation: nextClosure))
    }

    /// Reaps a worker that ended; fails the job it was running and queues the rest again.
    private func bury(_ slot: PoolWorkerSlot) {
        if slot.process.isAlive { try? slot.process.kill() }
        _ = try? slot.process.join()
        let code = slot.process.exitCode ?? 0
        let expected = slot.phase == .exiting && code == 0 && slot.held.isEmpty
        guard !expected else { return }
        let death = "\(slot.process.name) (pid \(slot.pid)) \(Self.describeExit(code))"
        metrics.workerDied()
        if let running = slot.held.popFirst() {
            metrics.taskFailed()
            running.result = .failure(MultiprocessingError(.workerDied, context: death))
            finished.append(running)
        }
        while let queued = slot.held.popLast() { pending.prepend(queued) }
        if case .running = state {
            Self.logger.warning("pool worker \(death); starting a replacement")
        }
    }

    static func describeExit(_ code: Int32) -> String {
        guard code < 0 else { return "exited with code \(code)" }
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
        ]
        return "was killed by signal \(-code)" + (names[-code].map { " (\($0))" } ?? "")
    }

    /// Fails everything when workers cannot start (their initializer threw).
    private func breakPool(_ error: PoolTaskError) {
        state = .broken(error)
        failAll(with: error)
        stopWorkers(signal: SIGKILL)
    }

    private func failAll(with error: any Error) {
        let held = slots.flatMap(\.held)
        for slot in slots { slot.held.removeAll() }
        for job in held + Array(pending) {
            job.result = .failure(error)
            finished.append(job)
        }
        pending.removeAll()
    }

    // MARK: Ending

    /// No new work; the workers finish the queued work and leave.
    func close() {
        lock.withLock {
            if case .running = state {
                state = .closed
                dispatch()
            }
        }
    }

    /// Whether the pool takes new work.
    var isRunning: Bool {
        lock.withLock {
            if case .running = state { return true }
            return false
        }
    }

    /// Stops the workers with `signal` (SIGTERM, then SIGKILL after a second for a worker
    /// that does not leave) and reaps them; the jobs they held and the queued ones fail
    /// with `.poolClosed`.
    func terminate(signal: Int32) {
        lock.withLock {
            switch state {
            case .terminated: return
            case .broken: break
            case .running, .closed: state = .terminated
            }
            failAll(with: MultiprocessingError(.poolClosed, context: "the pool was terminated"))
            stopWorkers(signal: signal)
        }
        finishJobs()
    }

    /// Drives the pool until every worker has left, at most until `deadline`.
    func join(deadline: Double?) throws -> Bool {
        if isRunning {
            throw MultiprocessingError(.invalidArgument, context: "call close() or terminate() before join()")
        }
        return drive(until: { lock.withLock { slots.isEmpty } }, deadline: deadline)
    }

    private func stopWorkers(signal: Int32) {
        let stopping = slots
        slots.removeAll()
        Self.stop(stopping.map(\.process), signal: signal)
    }

    private func stopAll(signal: Int32) {
        Self.stop(slots.map(\.process), signal: signal)
        slots.removeAll()
    }

    private static func stop(_ processes: [ChildProcess], signal: Int32) {
        for process in processes { try? signal == SIGKILL ? process.kill() : process.terminate() }
        let limit = Syscalls.monotonicSeconds() + 1
        for process in processes where (try? process.join(timeout: max(0, limit - Syscalls.monotonicSeconds()))) != true {
            try? process.kill()
            _ = try? process.join()
        }
    }
}
