import Greenlets
import NIOCore

extension Hub {
    /// Puts a greenlet in the ready queue; it runs when the running greenlet next blocks,
    /// or when the hub next drains the queue, whichever comes first.
    @usableFromInline
    func schedule(_ record: GreenletRecord) {
        guard !record.isScheduled else { return }
        record.isScheduled = true
        scheduling.pointee.ready.append(record)
        if !scheduling.pointee.drainScheduled {
            scheduleDrain()
        }
    }

    /// Asks the event loop to run `runReady()` soon.
    func scheduleDrain() {
        guard !scheduling.pointee.drainScheduled, let loop = eventLoop else { return }
        scheduling.pointee.drainScheduled = true
        loop.assumeIsolated().execute { [unowned self] in
            self.scheduling.pointee.drainScheduled = false
            self.runReady()
        }
    }

    /// Runs on the hub greenlet, from the event loop: fires due timers, then switches to
    /// ready greenlets until none is left or the batch is used up (then lets the loop poll
    /// for I/O before the next batch).
    func runReady() {
        scheduling.pointee.budget = Hub.batchSize
        fireDueTimers()
        while scheduling.pointee.budget > 0, let next = popReady() {
            scheduling.pointee.budget -= 1
            monitor?.beat(running: next)
            try? next.greenlet.switchHandingNothing()
        }
        if !scheduling.pointee.ready.isEmpty {
            scheduleDrain()
        } else if activeTimers == 0 {
            reportDeadlockIfStuck()
        }
        monitor?.beat(running: hubRecord)
    }

    @inline(__always)
    func popReady() -> GreenletRecord? {
        guard let next = scheduling.pointee.ready.popFirst() else { return nil }
        next.isScheduled = false
        return next
    }

    /// Parks the running greenlet until something schedules it again; throws the error it
    /// is resumed with. Control goes straight to the next ready greenlet when there is one
    /// (and the batch allows), otherwise to the hub.
    func park(_ me: GreenletRecord) throws {
        if scheduling.pointee.ready.isEmpty, let deadlock = deadlockReport() {
            try deliver(deadlock, parking: me)
        }
        if scheduling.pointee.budget > 0, let next = popReady() {
            scheduling.pointee.budget -= 1
            monitor?.beat(running: next)
            try next.greenlet.switchHandingNothing()
        } else {
            if !scheduling.pointee.ready.isEmpty {
                scheduleDrain()
            }
            monitor?.beat(running: hubRecord)
            try hubGreenlet.switchHandingNothing()
        }
        if let error = me.takeResumeError() {
            throw error
        }
    }

    /// Blocks the running greenlet until its waiter is woken or `timeout` seconds pass.
    ///
    /// `register` receives the waiter before the greenlet parks: keep it where the event
    /// the greenlet waits for will find it, and call `wake(throwing:)` then.
    /// - Parameters:
    ///   - what: What the greenlet waits on, for the deadlock report (evaluated only then).
    ///   - timeout: Seconds before the wait ends with `GreenTimeoutError`; `nil` waits
    ///     for ever.
    /// - Throws: `GreenTimeoutError` when `timeout` runs out, the error given to
    ///   `wake(throwing:)`, an error thrown into the greenlet (a kill, a scoped timeout),
    ///   `HubError` for a deadlock or a wait inside the hub itself.
    package func wait(
        for what: @escaping @autoclosure () -> String,
        timeout: Double? = nil,
        _ register: (Waiter) -> Void
    ) throws {
        let me = runningRecord
        try checkCanBlock(me)
        try wait(makeWaiter(record: me, what: what), timeout: timeout, register)
    }

    /// `wait(for:timeout:_:)` on a primitive that describes the wait itself when a
    /// deadlock report needs it; `detail` tells it which wait (a get, a put).
    @usableFromInline
    package func wait(
        on subject: any WaitDescribing,
        detail: UInt8,
        timeout: Double?,
        _ register: (Waiter) -> Void
    ) throws {
        let me = runningRecord
        try checkCanBlock(me)
        try wait(makeWaiter(record: me, subject: subject, detail: detail), timeout: timeout, register)
    }

    /// Parks the waiter's greenlet until its wait ends; the waiter goes back to the spares
    /// if nothing else kept it.
    private func wait(_ fresh: consuming Waiter, timeout: Double?, _ register: (Waiter) -> Void) throws {
        var waiter = consume fresh
        defer { recycle(&waiter) }
        let me = waiter.record
        if let timeout {
            waiter.timer = scheduleTimer(after: timeout, .expire(waiter, seconds: timeout))
        }
        me.waiter = waiter
        linkWaiting(waiter)
        register(waiter)
        try park(waiter)
    }

    /// Parks `waiter`'s greenlet; a wait resumed by something else (a kill, a scoped
    /// timeout) is over, and leaves its waiter spent.
    func park(_ waiter: Waiter) throws {
        do {
            try park(waiter.record)
        } catch {
            if waiter.isWaiting { waiter.abandon() }
            throw error
        }
    }

    /// A waiter for `record`'s next wait: a spare one when there is one.
    func makeWaiter(
        record: GreenletRecord, what: (() -> String)? = nil, subject: (any WaitDescribing)? = nil, detail: UInt8 = 0
    ) -> Waiter {
        if let spare = spareWaiters.popLast() {
            spare.reuse(record: record, what: what, subject: subject, detail: detail)
            return spare
        }
        return Waiter(hub: self, record: record, what: what, subject: subject, detail: detail)
    }

    /// Keeps a waiter whose wait is over for the next wait, unless something (a primitive's
    /// list, a timed-out join) still refers to it.
    func recycle(_ waiter: inout Waiter) {
        guard !waiter.isWaiting, spareWaiters.count < Hub.spareWaiterLimit,
            isKnownUniquelyReferenced(&waiter)
        else { return }
        waiter.forgetSubject()
        spareWaiters.append(waiter)
    }

    /// Throws the interruption pending for `me`, or refuses a wait in the hub itself.
    func checkCanBlock(_ me: GreenletRecord) throws {
        if me === hubRecord {
            throw HubError(
                .blockingInHub,
                "a blocking call was made in the hub's event-loop callback; spawn a green thread for work that blocks")
        }
        if let pending = me.pendingInterrupt {
            me.pendingInterrupt = nil
            throw pending
        }
    }

    /// Ends `record`'s wait from outside (a kill, a scoped timeout): it resumes and
    /// `error` is raised in it. A greenlet that is not parked gets it at its next wait.
    func interrupt(_ record: GreenletRecord, with error: any Error) {
        if let waiter = record.waiter, waiter.isWaiting {
            waiter.wake(throwing: error)
        } else {
            record.pendingInterrupt = error
        }
    }

    /// Gives the other ready greenlets a turn and comes back — `gevent.sleep(0)`. The
    /// event loop also polls for I/O at least once every `batchSize` turns.
    func yieldTurn() throws {
        let me = runningRecord
        try checkCanBlock(me)
        schedule(me)
        try park(me)
    }
}

extension Waiter {
    /// Marks the wait as over without scheduling the greenlet (it is running already).
    func abandon() {
        if let timer {
            hub.cancelTimer(timer)
            self.timer = nil
        }
        if record.waiter === self {
            record.waiter = nil
        }
        markEnded()
    }
}
