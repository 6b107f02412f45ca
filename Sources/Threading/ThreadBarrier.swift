import WeaveDurations

/// A meeting point for a fixed number of OS threads — Python's `threading.Barrier`.
///
/// Each thread calls `wait()`; all are released together when the last of `parties`
/// arrives, after the last runs `action`. The barrier then serves the next round. If a
/// waiter times out, `abort()` is called, `reset()` is called while threads wait, or the
/// action throws, the barrier breaks: waiters and later callers get
/// `ThreadingError(.brokenBarrier)` until `reset()`.
///
/// Any thread may use it. A blocking call blocks the whole OS thread: called from a
/// greenlet it stalls that thread's hub too.
///
/// ```swift
/// let start = ThreadBarrier(parties: 3)
/// // in each of 3 threads:
/// let index = try start.wait()
/// ```
public final class ThreadBarrier: Sendable {
    /// One round of arrivals: the threads of a round wait on its outcome.
    private final class Round {
        enum Outcome { case filling, passed, broken }
        var arrived = 0
        var outcome = Outcome.filling
    }

    private struct State {
        var round = Round()
        var isBroken = false
        /// The last arrival is running the action; new arrivals wait for it.
        var isRunningAction = false
    }

    /// The number of threads each round waits for — `Barrier.parties`.
    public let parties: Int
    private let defaultTimeout: Double?
    private let action: (@Sendable () throws -> Void)?
    private let handle = ConditionHandle(State())

    /// Creates a barrier for `parties` threads — `Barrier(parties, action, timeout)`.
    ///
    /// - Parameters:
    ///   - parties: The threads each round waits for; 1 or more.
    ///   - timeout: The seconds a `wait()` without its own timeout waits at most; `nil`
    ///     waits for ever.
    ///   - action: Run by the last thread of each round before the others are released;
    ///     if it throws, the barrier breaks and that thread gets the error.
    /// - Precondition: `parties` is 1 or more (Python raises `ValueError`).
    @DurationOverload
    public init(parties: Int, timeout: Double? = nil, action: (@Sendable () throws -> Void)? = nil) {
        precondition(parties >= 1, "a barrier needs 1 or more parties, not \(parties)")
        self.parties = parties
        self.defaultTimeout = timeout
        self.action = action
    }

    /// Waits until `parties` threads have called `wait` — `Barrier.wait(timeout)`.
    ///
    /// - Parameter timeout: Seconds to wait at most; `nil` takes the barrier's own timeout.
    /// - Returns: The caller's arrival index in the round, 0 to `parties - 1`, different
    ///   for each thread (the last to arrive gets `parties - 1`).
    /// - Throws: `ThreadingError(.brokenBarrier)` when the barrier is or becomes broken
    ///   (a timed-out wait breaks it); the action's error in the thread that ran it.
    @DurationOverload
    public func wait(timeout: Double? = nil) throws -> Int {
        let deadline = Deadline(timeout: timeout ?? defaultTimeout)
        let (round, index) = try handle.wait(until: .never, for: { !$0.isRunningAction }) { state, _ in
            guard !state.isBroken else { throw brokenError("wait()") }
            let round = state.round
            let index = round.arrived
            round.arrived += 1
            if round.arrived == parties { state.isRunningAction = true }
            return (round, index)
        }
        if index == parties - 1 {
            try finishRound(round)
            return index
        }
        let (outcome, brokeIt) = handle.wait(until: deadline, for: { _ in round.outcome != .filling }) { state, _ in
            guard round.outcome == .filling, round.arrived < parties else { return (round.outcome, false) }
            Self.breakBarrier(&state)
            return (round.outcome, true)
        }
        if brokeIt { handle.broadcast() }
        switch outcome {
        case .passed:
            return index
        case .filling:
            // Every party arrived and the last one runs the action: a timeout no longer
            // breaks the round, as in Python, where the action runs under the barrier's lock.
            let passed = handle.wait(until: .never, for: { _ in round.outcome != .filling }) { _, _ in
                round.outcome == .passed
            }
            guard passed else { throw brokenError("wait()") }
            return index
        case .broken:
            throw brokenError(brokeIt ? "wait() timed out" : "wait()")
        }
    }

    /// The last arrival runs the action and releases the round, or breaks the barrier.
    private func finishRound(_ round: Round) throws {
        let failure = action.flatMap { action in
            Result(catching: action).failure
        }
        let passed = handle.withLock { state in
            state.isRunningAction = false
            guard failure == nil, round.outcome == .filling else {
                Self.breakBarrier(&state)
                return false
            }
            round.outcome = .passed
            state.round = Round()
            return true
        }
        handle.broadcast()
        if let failure { throw failure }
        guard passed else { throw brokenError("wait()") }
    }

    /// Breaks the barrier: current and later waiters get `.brokenBarrier` until
    /// `reset()` — `Barrier.abort()`.
    public func abort() {
        handle.withLock { Self.breakBarrier(&$0) }
        handle.broadcast()
    }

    /// Returns the barrier to its first state: threads waiting now get `.brokenBarrier`,
    /// later ones start a new round — `Barrier.reset()`.
    public func reset() {
        handle.wait(until: .never, for: { !$0.isRunningAction }) { state, _ in
            if state.round.arrived > 0 { state.round.outcome = .broken }
            state.round = Round()
            state.isBroken = false
        }
        handle.broadcast()
    }

    /// The threads waiting in the current round — `Barrier.n_waiting`.
    public var nWaiting: Int {
        handle.withLock { state in
            state.isBroken || state.isRunningAction ? 0 : state.round.arrived
        }
    }

    /// Whether the barrier is broken — `Barrier.broken`.
    public var isBroken: Bool { handle.withLock { $0.isBroken } }

    private static func breakBarrier(_ state: inout State) {
        state.isBroken = true
        if state.round.outcome == .filling { state.round.outcome = .broken }
    }

    private func brokenError(_ operation: String) -> ThreadingError {
        ThreadingError(.brokenBarrier, context: "ThreadBarrier.\(operation) with \(parties) parties")
    }
}

extension Result {
    /// The error of a failure; nil for a success.
    fileprivate var failure: Failure? {
        guard case .failure(let error) = self else { return nil }
        return error
    }
}
