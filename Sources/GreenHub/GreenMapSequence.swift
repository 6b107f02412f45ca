import DequeModule
import Greenlets

/// The results of `GreenGroup.imap(_:_:)` (in the order of the inputs) or
/// `GreenGroup.imapUnordered(_:_:)` (in the order the calls finish).
///
/// Each element is the call's outcome: its value, or the error it threw. Iterating
/// blocks the running greenlet until the next result is there, and starts more calls as
/// slots free up. If that wait is interrupted (a kill, a scoped timeout, a deadlock
/// report), the interruption is the last element, as a failure: `try result.get()` in
/// the loop passes it on. Use it on the hub's thread.
///
/// ```swift
/// for outcome in try pool.imapUnordered(urls, { try fetch($0).count }) {
///     print(try outcome.get())
/// }
/// ```
public struct GreenMapSequence<Output>: Sequence, IteratorProtocol {
    private let run: GreenMapRun<Output>
    private var isFinished = false

    init(run: GreenMapRun<Output>) throws {
        self.run = run
        try run.launch()
    }

    /// The next result, or `nil` once every call's result has been returned.
    public mutating func next() -> Result<Output, any Error>? {
        guard !isFinished else { return nil }
        do {
            if let (_, result) = try run.nextCompletion() {
                return result
            }
            isFinished = true
            return nil
        } catch {
            isFinished = true
            return .failure(error)
        }
    }

    /// The next call's value, or `nil` once every call's result has been returned.
    ///
    /// - Throws: The error the call threw (``/Greenlets/GreenletExit`` if it was killed); an error
    ///   raised in the waiting greenlet (a kill, a scoped timeout); `HubError.deadlock`.
    public mutating func nextValue() throws -> Output? {
        guard !isFinished else { return nil }
        guard let (_, result) = try run.nextCompletion() else {
            isFinished = true
            return nil
        }
        return try result.get()
    }
}

/// One `map`/`imap` over a group: starts a green thread per input while the group has
/// room, and collects their outcomes as they finish.
final class GreenMapRun<Output> {
    typealias Completion = (index: Int, result: Result<Output, any Error>)

    private let group: GreenGroup
    private let ordered: Bool
    /// The next call to start, or `nil` when the inputs are used up.
    private let nextCall: () -> (() throws -> Output)?
    private var inputsLeft = true
    private var started = 0
    private var running: [Int: AnyGreenThread] = [:]
    private var finished = Deque<Completion>()
    /// Finished out of order, for an ordered run: by index.
    private var early: [Int: Result<Output, any Error>] = [:]
    private var nextIndex = 0
    private var waiter: Waiter?

    init<Inputs: Sequence>(
        group: GreenGroup,
        inputs: Inputs,
        transform: @escaping (Inputs.Element) throws -> Output,
        ordered: Bool
    ) {
        self.group = group
        self.ordered = ordered
        var iterator = inputs.makeIterator()
        nextCall = {
            guard let input = iterator.next() else { return nil }
            return { try transform(input) }
        }
    }

    /// Starts calls while the group has room — and one, waiting for a slot, when none
    /// of this run's calls is running.
    func launch() throws {
        while inputsLeft, group.hasFreeSlot || running.isEmpty {
            guard let call = nextCall() else {
                inputsLeft = false
                return
            }
            let index = started
            started += 1
            let thread = try group.spawn(call)
            running[index] = thread
            thread.link { [weak self] _ in
                self?.finish(index, thread)
            }
        }
    }

    private func finish(_ index: Int, _ thread: GreenThread<Output>) {
        running[index] = nil
        let result: Result<Output, any Error>
        if let error = thread.error {
            result = .failure(error)
        } else if let value = thread.value {
            result = .success(value)
        } else {
            result = .failure(GreenletExit())
        }
        finished.append((index, result))
        waiter?.wake()
        waiter = nil
    }

    /// The next outcome to hand out, with its input's index; `nil` once all have been.
    func nextCompletion() throws -> Completion? {
        while true {
            try launch()
            if let completion = takeReady() { return completion }
            if running.isEmpty && !inputsLeft { return nil }
            try group.hub.wait(for: "\(self.running.count) call(s) of a map over \(self.group.description)") { waiter in
                self.waiter = waiter
            }
        }
    }

    private func takeReady() -> Completion? {
        guard ordered else { return finished.popFirst() }
        while let completion = finished.popFirst() {
            early[completion.index] = completion.result
        }
        guard let result = early.removeValue(forKey: nextIndex) else { return nil }
        nextIndex += 1
        return (nextIndex - 1, result)
    }

    /// Kills the calls still running and waits until they have finished.
    func killRunning() throws {
        try Green.killAll(Array(running.values))
    }
}
