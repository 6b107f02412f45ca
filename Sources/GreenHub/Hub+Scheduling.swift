import Greenlets
import NIOCore

extension Hub {
    /// Puts a greenlet in the ready queue; it runs when the running greenlet next blocks,
    /// or when the hub next drains the queue, whichever comes first.
    @usableFromInline
    func schedule(_ record: AnyGreenThread) {
        guard !record.isScheduled else { return }
        record.isScheduled = true
        scheduling.pointee.ready.append(Unmanaged.passUnretained(record))
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
        switchesBeforeBatch &+= UInt64(Hub.batchSize - scheduling.pointee.budget)
        scheduling.pointee.budget = Hub.batchSize
        fireDueTimers()
        while scheduling.pointee.budget > 0, let next = popReady() {
            scheduling.pointee.budget -= 1
            next._withUnsafeGuaranteedRef { next in
                monitor?.beat(running: next)
                try? next.switchTo()
            }
        }
        if !scheduling.pointee.ready.isEmpty {
            scheduleDrain()
        } else if activeTimers == 0 {
            reportDeadlockIfStuck()
        }
        monitor?.beat(running: hubRecord)
    }

    @inline(__always)
    func popReady() -> Unmanaged<AnyGreenThread>? {
        guard let next = scheduling.pointee.ready.popFirst() else { return nil }
        next._withUnsafeGuaranteedRef { $0.isScheduled = false }
        return next
    }

    /// Takes `record` out of the ready queue (it was killed before it ran, or is going
    /// away).
    func unschedule(_ record: AnyGreenThread) {
        guard record.isScheduled else { return }
        record.isScheduled = false
        let address = Unmanaged.passUnretained(record).toOpaque()
        scheduling.pointee.ready.removeAll { $0.toOpaque() == address }
    }

    /// Parks the running greenlet until something schedules it again; throws the error it
    /// is resumed with. Control goes straight to the next ready greenlet when there is one
    /// (and the batch allows), otherwise to the hub.
    func park(_ me: AnyGreenThread) throws {
        if scheduling.pointee.ready.isEmpty, let deadlock = deadlockReport() {
            try deliver(deadlock, parking: me)
        }
        if scheduling.pointee.budget > 0, let next = popReady() {
            scheduling.pointee.budget -= 1
            try next._withUnsafeGuaranteedRef { next in
                monitor?.beat(running: next)
                try next.switchTo()
            }
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
    ///   - timeout: Seconds before the wait ends with ``GreenTimeoutError``; `nil` waits
    ///     for ever.
    /// - Throws: ``GreenTimeoutError`` when `timeout` runs out, the error given to
    ///   `wake(throwing:)`, an error thrown into the greenlet (a kill, a scoped timeout),
    ///   ``HubError`` for a deadlock or a wait inside the hub itself.
    package func wait(
        for what: @escaping @autoclosure () -> String,
        timeout: Double? = nil,
        _ register: (Waiter) -> Void
    ) throws {
        try withRunningRecord { me in
            try wait(me, what: what, subject: nil, detail: 0, timeout: timeout, register)
        }
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
        try withRunningRecord { me in
            try wait(me, what: nil, subject: subject, detail: detail, timeout: timeout, register)
        }
    }

    /// Parks `me` in a wait on its own waiter until the wait ends.
    @inline(__always)
    private func wait(
        _ me: AnyGreenThread,
        what: (() -> String)?,
        subject: (any WaitDescribing)?,
        detail: UInt8,
        timeout: Double?,
        _ register: (Waiter) -> Void
    ) throws {
        try checkCanBlock(me)
        try me.withWaiterForNextWait { waiter in
            waiter.begin(what: what, subject: subject, detail: detail)
            defer {
                if what != nil { waiter.forgetDescription() }
            }
            if let timeout {
                waiter.timer = scheduleTimer(after: timeout, .expire(waiter, seconds: timeout))
            }
            me.waiter = waiter
            linkWaiting(waiter)
            register(waiter)
            try park(me, in: waiter)
        }
    }

    /// Parks `me` in `waiter`, its wait; a wait resumed by something else (a kill, a
    /// scoped timeout) is over, and leaves its waiter spent.
    private func park(_ me: AnyGreenThread, in waiter: Waiter) throws {
        do {
            try park(me)
        } catch {
            if waiter.isWaiting { waiter.abandon() }
            throw error
        }
    }

    /// Parks the running greenlet for `seconds` (more than 0) — `Green.sleep`.
    func sleep(_ seconds: Double) throws {
        try withRunningRecord { me in
            try checkCanBlock(me)
            // A sleeper never shows in a deadlock report (its timer can still wake it), so
            // its wait needs no description of its own.
            try me.withWaiterForNextWait { waiter in
                waiter.begin(what: nil, subject: nil, detail: 0)
                waiter.timer = scheduleTimer(after: seconds, .wake(waiter))
                me.waiter = waiter
                linkWaiting(waiter)
                try park(me, in: waiter)
            }
        }
    }

    /// Throws the interruption pending for `me`, or refuses a wait in the hub itself.
    func checkCanBlock(_ me: AnyGreenThread) throws {
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
    func interrupt(_ record: AnyGreenThread, with error: any Error) {
        if let waiter = record.waiter, waiter.isWaiting {
            waiter.wake(throwing: error)
        } else {
            record.pendingInterrupt = error
        }
    }

    /// Gives the other ready greenlets a turn and comes back — `gevent.sleep(0)`. The
    /// event loop also polls for I/O at least once every `batchSize` turns.
    func yieldTurn() throws {
        try withRunningRecord { me in
            try checkCanBlock(me)
            schedule(me)
            try park(me)
        }
    }
}

extension Waiter {
    /// Marks the wait as over without scheduling the greenlet (it is running already).
    func abandon() {
        if let timer {
            hub.cancelTimer(timer)
            self.timer = nil
        }
        record.leave(self)
        markEnded()
    }
}
