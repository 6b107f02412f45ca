import Greenlets
import WeaveDurations

/// A set of green threads that can be joined, killed and mapped over together —
/// `gevent.pool.Group`.
///
/// A green thread leaves the group when it finishes. ``GreenPool`` is a group with a
/// limit on how many run at once. Create it and use it on one thread: its hub's. Calls
/// from another thread throw `HubError.wrongThread`.
///
/// ```swift
/// let group = GreenGroup()
/// for url in urls { try group.spawn { try fetch(url) } }
/// try group.join()
/// let lengths = try group.map(urls) { try fetch($0).count }   // in the order of urls
/// ```
public class GreenGroup: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    private var members: [ObjectIdentifier: (order: Int, thread: AnyGreenThread)] = [:]
    private var additions = 0
    private var joiners = WaitList<Void>()
    /// Joiners that also want the first error a member ends with.
    private var errorJoiners = WaitList<Void>()

    /// Creates an empty group on the calling thread's hub — `Group()`.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public init(name: String? = nil) {
        hub = Hub.current
        self.name = name
    }

    // MARK: Members

    /// How many green threads it holds — `len(group)`. Read it on the hub's thread.
    public var count: Int { members.count }

    /// Whether it holds no green thread. Read it on the hub's thread.
    public var isEmpty: Bool { members.isEmpty }

    /// Its green threads, in the order they were added — `greenlets`. Read it on the
    /// hub's thread.
    public var threads: [AnyGreenThread] {
        members.values.sorted { $0.order < $1.order }.map(\.thread)
    }

    /// Whether `thread` is in the group — `greenlet in group`.
    public func contains(_ thread: AnyGreenThread) -> Bool {
        members[ObjectIdentifier(thread)] != nil
    }

    /// Adds a green thread, which leaves the group when it finishes — `add(greenlet)`.
    ///
    /// A pool first waits for a free slot. Adding a member again does nothing.
    /// Call on the hub's thread.
    /// - Throws: `HubError.wrongThread` (also for a green thread of another hub); for a
    ///   pool, what waiting for a slot throws.
    public func add(_ thread: AnyGreenThread) throws {
        try hub.checkThread()
        guard thread.hub === hub else {
            throw HubError(.wrongThread, "green thread '\(thread.name)' belongs to another thread's hub than \(label)")
        }
        guard !contains(thread) else { return }
        try reserveSlot()
        if contains(thread) {
            // Added by another greenlet while this one waited for the slot.
            releaseSlot()
        } else {
            insert(thread)
        }
    }

    /// Removes a green thread without waiting for it or killing it — `discard(greenlet)`.
    /// A pool frees its slot. Call on the hub's thread.
    ///
    /// - Throws: `HubError.wrongThread`.
    public func discard(_ thread: AnyGreenThread) throws {
        try hub.checkThread()
        if remove(thread) {
            memberLeft(thread)
        }
    }

    /// Starts `body` in a new green thread of the group — `spawn(function)`.
    ///
    /// A pool first blocks the running greenlet until a slot is free.
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - name: A name for diagnostics.
    ///   - stackMode: The green thread's stack; by default ``/Greenlets/Greenlet/defaultStackMode``.
    ///   - body: The green thread's work; its value or error is the thread's outcome.
    /// - Throws: `HubError.wrongThread`; for a pool, what waiting for a slot throws (a
    ///   kill, a scoped timeout, `HubError.deadlock`).
    @discardableResult
    public func spawn<Value>(
        name: String? = nil,
        stackMode: Greenlet.StackMode? = nil,
        _ body: @escaping () throws -> Value
    ) throws -> GreenThread<Value> {
        try hub.checkThread()
        try reserveSlot()
        let thread = Green.spawn(name: name, stackMode: stackMode, body)
        insert(thread)
        return thread
    }

    private func insert(_ thread: AnyGreenThread) {
        additions += 1
        members[ObjectIdentifier(thread)] = (additions, thread)
        thread.link { [weak self] finished in
            guard let self, self.remove(finished) else { return }
            self.memberLeft(finished)
        }
    }

    /// Removes `thread` if it is a member, freeing its slot.
    private func remove(_ thread: AnyGreenThread) -> Bool {
        guard members.removeValue(forKey: ObjectIdentifier(thread)) != nil else { return false }
        releaseSlot()
        return true
    }

    private func memberLeft(_ thread: AnyGreenThread) {
        if let error = thread.error {
            errorJoiners.wakeAll(throwing: error)
        }
        if members.isEmpty {
            joiners.wakeAll()
            errorJoiners.wakeAll()
        }
    }

    // MARK: Slots (the pool overrides these)

    /// Waits until a new member may run.
    func reserveSlot() throws {}

    /// A member left.
    func releaseSlot() {}

    /// Whether a new member may run without waiting.
    var hasFreeSlot: Bool { true }

    // MARK: Joining and killing

    /// Blocks the running greenlet until every member has finished — `join(timeout,
    /// raise_error)`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Parameters:
    ///   - timeout: Seconds to wait at most; `nil` waits for ever.
    ///   - raiseError: Whether to throw the error of the first member that ends with
    ///     one during the wait, as soon as it does.
    /// - Returns: Whether the group is empty (`false` when `timeout` ran out first).
    /// - Throws: With `raiseError`, a member's error; an error raised in the waiting
    ///   greenlet (a kill, a scoped timeout); `HubError.deadlock`; `HubError.wrongThread`.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil, raiseError: Bool = false) throws -> Bool {
        try hub.checkThread()
        if members.isEmpty { return true }
        return try hub.waitUnlessTimedOut(for: "\(self.description) — join", timeout: timeout) { waiter in
            if raiseError {
                errorJoiners.append(waiter, ())
            } else {
                joiners.append(waiter, ())
            }
        }
    }

    /// Kills every member (but the running greenlet, if it is one) — `kill(exception,
    /// block, timeout)`; see ``AnyGreenThread/kill(_:wait:timeout:)-(_,_,Double?)``.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - error: What to raise in each; ``/Greenlets/GreenletExit`` by default.
    ///   - wait: Whether to wait until they have all finished.
    ///   - timeout: With `wait`, seconds to wait at most.
    /// - Throws: What waiting throws (a kill, a scoped timeout); `HubError.wrongThread`.
    @DurationOverload
    public func killAll(_ error: any Error = GreenletExit(), wait: Bool = true, timeout: Double? = nil) throws {
        try hub.checkThread()
        let me = hub.runningRecord
        try Green.killAll(threads.filter { $0 !== me }, error: error, wait: wait, timeout: timeout)
    }

    // MARK: Mapping

    /// Calls `transform` on every input, each in a green thread of the group, and
    /// returns the results in the order of the inputs — `map(func, iterable)`.
    ///
    /// A pool runs at most `size` calls at once. If a call throws, or the wait is
    /// interrupted, the calls still running are killed (and waited for) and the error is
    /// thrown. Call on the hub's thread, from any greenlet but the hub's.
    /// - Throws: The first error a call throws; an error raised in the waiting greenlet
    ///   (a kill, a scoped timeout); `HubError.deadlock`; `HubError.wrongThread`.
    public func map<Inputs: Sequence, Output>(
        _ inputs: Inputs,
        _ transform: @escaping (Inputs.Element) throws -> Output
    ) throws -> [Output] {
        try hub.checkThread()
        let run = GreenMapRun(group: self, inputs: inputs, transform: transform, ordered: false)
        var results: [Output?] = []
        do {
            while let (index, result) = try run.nextCompletion() {
                if index >= results.count {
                    results.append(contentsOf: repeatElement(nil, count: index + 1 - results.count))
                }
                results[index] = try result.get()
            }
        } catch {
            try run.killRunning()
            throw error
        }
        return results.compactMap { $0 }
    }

    /// Calls `transform` on every input, each in a green thread of the group, and
    /// yields the results in the order of the inputs, as they become available —
    /// `imap(func, iterable)`.
    ///
    /// Calls start when the sequence is made and as it is iterated (a pool keeps `size`
    /// running). Green threads still running when iteration stops early stay in the
    /// group; join or kill it. Call on the hub's thread.
    /// - Throws: `HubError.wrongThread`; for a pool, what waiting for a slot throws.
    public func imap<Inputs: Sequence, Output>(
        _ inputs: Inputs,
        _ transform: @escaping (Inputs.Element) throws -> Output
    ) throws -> GreenMapSequence<Output> {
        try hub.checkThread()
        return try GreenMapSequence(run: GreenMapRun(group: self, inputs: inputs, transform: transform, ordered: true))
    }

    /// Calls `transform` on every input, each in a green thread of the group, and
    /// yields the results in the order they finish — `imap_unordered(func, iterable)`.
    ///
    /// Calls start when the sequence is made and as it is iterated (a pool keeps `size`
    /// running). Green threads still running when iteration stops early stay in the
    /// group; join or kill it. Call on the hub's thread.
    /// - Throws: `HubError.wrongThread`; for a pool, what waiting for a slot throws.
    public func imapUnordered<Inputs: Sequence, Output>(
        _ inputs: Inputs,
        _ transform: @escaping (Inputs.Element) throws -> Output
    ) throws -> GreenMapSequence<Output> {
        try hub.checkThread()
        return try GreenMapSequence(run: GreenMapRun(group: self, inputs: inputs, transform: transform, ordered: false))
    }

    // MARK: Descriptions

    /// "GreenGroup 'crawl'".
    var label: String { primitiveLabel("GreenGroup", name) }

    /// The group's name and how many members run.
    public var description: String { "\(label) (\(members.count) running)" }
}
