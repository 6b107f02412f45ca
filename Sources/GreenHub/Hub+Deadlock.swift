/// Deadlock diagnosis: when every greenlet waits and nothing can wake any of them, the
/// greenlet that started the outermost wait (main, usually) gets an error that names every
/// blocked greenlet and what it waits on — instead of gevent's bare "This operation would
/// block forever".
extension Hub {
    // The list of waits in progress is intrusive and unretained (`Unmanaged`), and it is
    // walked with guaranteed references: linking and unlinking, on every wait, cost no
    // reference counting.

    func linkWaiting(_ waiter: Waiter) {
        let link = Unmanaged.passUnretained(waiter)
        waiter.next = waitingHead
        waitingHead?._withUnsafeGuaranteedRef { $0.previous = link }
        waitingHead = link
        waiter.isLinked = true
    }

    func unlinkWaiting(_ waiter: Waiter) {
        guard waiter.isLinked else { return }
        waiter.isLinked = false
        let previous = waiter.previous
        let next = waiter.next
        if waitingHead?.toOpaque() == Unmanaged.passUnretained(waiter).toOpaque() {
            waitingHead = next
        }
        previous?._withUnsafeGuaranteedRef { $0.next = next }
        next?._withUnsafeGuaranteedRef { $0.previous = previous }
        waiter.previous = nil
        waiter.next = nil
    }

    /// The newest wait in progress.
    var newestWaiter: Waiter? { waitingHead?.takeUnretainedValue() }

    /// Whether something may still wake a waiting greenlet: a ready greenlet, a timer,
    /// work another thread or the event loop will finish, or another thread's remote.
    var canStillWake: Bool {
        !scheduling.pointee.ready.isEmpty || activeTimers > 0 || externalWork > 0 || remoteCount > 0
    }

    /// The report of a deadlock, if every greenlet now waits and nothing can wake one.
    func deadlockReport() -> HubError? {
        guard !canStillWake, waitingHead != nil else { return nil }
        var lines: [String] = []
        var waiter = newestWaiter
        while let current = waiter {
            lines.append("  - greenlet '\(current.record.name)' waits on \(current.what)")
            waiter = current.next?.takeUnretainedValue()
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
    func deliver(_ deadlock: HubError, parking me: AnyGreenThread) throws {
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
            newestWaiter?.wake(throwing: deadlock)
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
