/// Deadlock diagnosis: when every greenlet waits and nothing can wake any of them, the
/// greenlet that started the outermost wait (main, usually) gets an error that names every
/// blocked greenlet and what it waits on — instead of gevent's bare "This operation would
/// block forever".
extension Hub {
    func linkWaiting(_ waiter: Waiter) {
        waiter.next = waitingHead
        waitingHead?.previous = waiter
        waitingHead = waiter
        waiter.isLinked = true
    }

    func unlinkWaiting(_ waiter: Waiter) {
        guard waiter.isLinked else { return }
        waiter.isLinked = false
        if waitingHead === waiter {
            waitingHead = waiter.next
        }
        waiter.previous?.next = waiter.next
        waiter.next?.previous = waiter.previous
        waiter.previous = nil
        waiter.next = nil
    }

    /// Whether something may still wake a waiting greenlet: a ready greenlet, a timer,
    /// work another thread or the event loop will finish, or another thread's remote.
    var canStillWake: Bool {
        !scheduling.pointee.ready.isEmpty || activeTimers > 0 || externalWork > 0 || remoteCount > 0
    }

    /// The report of a deadlock, if every greenlet now waits and nothing can wake one.
    func deadlockReport() -> HubError? {
        guard !canStillWake, waitingHead != nil else { return nil }
        var lines: [String] = []
        var waiter = waitingHead
        while let current = waiter {
            lines.append("  - greenlet '\(current.record.name)' waits on \(current.what)")
            waiter = current.next
        }
        return HubError(
            .deadlock,
            "every greenlet is waiting and nothing can wake any of them "
                + "(no timer, no I/O, no cross-thread work is pending):\n"
                + lines.reversed().joined(separator: "\n")
                + "\nGive one of these waits a timeout, or make sure something sets, releases or puts what they wait for.")
    }

    /// Hands a deadlock report to the main greenlet if it is waiting (it started the
    /// outermost wait), otherwise raises it in the greenlet about to park.
    func deliver(_ deadlock: HubError, parking me: GreenletRecord) throws {
        if me !== mainRecord, let waiter = mainRecord.waiter, waiter.isWaiting {
            waiter.wake(throwing: deadlock)
            return
        }
        throw deadlock
    }
}

extension Hub {
    /// Called when the hub goes idle or a source of wake-ups goes away: if every greenlet
    /// now waits for good, the main greenlet (or the newest waiter) gets the report.
    func reportDeadlockIfStuck() {
        guard let deadlock = deadlockReport() else { return }
        if let waiter = mainRecord.waiter, waiter.isWaiting {
            waiter.wake(throwing: deadlock)
        } else {
            waitingHead?.wake(throwing: deadlock)
        }
    }

    /// Counts work that another thread or the event loop will finish (and that may wake a
    /// greenlet) for as long as `body` runs. No deadlock check here: the greenlet that ends
    /// the count is running, so nothing is stuck yet; the next park or idle hub checks.
    func trackingExternalWork<Result>(_ body: () throws -> Result) rethrows -> Result {
        externalWork += 1
        defer { externalWork -= 1 }
        return try body()
    }
}
