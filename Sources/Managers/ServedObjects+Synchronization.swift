// MARK: - Queues, locks and events
//
// A call that cannot finish at once is parked unless its timeout is 0; another call wakes
// it, or `expire` answers `.timedOut` at its deadline.

extension ServedObjects {
    /// `queuePut` (item), `queueGet` (replies [item]), `queueCount`.
    func handleQueue(_ request: ManagerRequest, _ queue: ServedQueue, caller: Caller, now: Double) throws -> ManagerReply? {
        switch request.operation {
        case .queuePut:
            let item = try expect(request, 1)[0]
            if let getter = queue.getters.popFirst() {
                wake(getter, ManagerReply(.ok, [item]))
                return ManagerReply()
            }
            if !queue.isFull {
                queue.items.append(item)
                return ManagerReply()
            }
            if request.timeout == 0 { return ManagerReply(.timedOut) }
            queue.putters.append((caller, item))
            park(caller, on: request.object, timeout: request.timeout, now: now)
            return nil
        case .queueGet:
            if let item = queue.items.popFirst() {
                if let putter = queue.putters.popFirst() {
                    queue.items.append(putter.item)
                    wake(putter.caller, ManagerReply())
                }
                return ManagerReply(.ok, [item])
            }
            if request.timeout == 0 { return ManagerReply(.timedOut) }
            queue.getters.append(caller)
            park(caller, on: request.object, timeout: request.timeout, now: now)
            return nil
        case .queueCount:
            return ManagerReply(.ok, [WireValue.word(UInt64(queue.items.count))])
        default:
            throw ServedFailure(.invalidRequest, "\(request.operation) is not a queue operation")
        }
    }

    /// `lockAcquire` (timeout 0: try once) and `lockRelease`. The owner is the caller's
    /// session, so any connection of the holding process may release.
    func handleLock(_ request: ManagerRequest, _ lock: ServedLock, caller: Caller, now: Double) throws -> ManagerReply? {
        switch request.operation {
        case .lockAcquire:
            if lock.owner == nil {
                return grant(lock, to: caller.session)
            }
            if request.timeout == 0 { return ManagerReply(.timedOut) }
            lock.waiters.append(caller)
            park(caller, on: request.object, timeout: request.timeout, now: now)
            return nil
        case .lockRelease:
            guard let owner = lock.owner else {
                throw ServedFailure(.notOwner, "the lock is not held")
            }
            guard owner == caller.session else {
                throw ServedFailure(.notOwner, "the lock is held by another process")
            }
            lock.owner = nil
            grantNext(lock)
            return ManagerReply()
        default:
            throw ServedFailure(.invalidRequest, "\(request.operation) is not a lock operation")
        }
    }

    /// Gives the free lock to `session`; the reply says whether a holder died before.
    private func grant(_ lock: ServedLock, to session: UInt64) -> ManagerReply {
        lock.owner = session
        if lock.ownerDied {
            lock.ownerDied = false
            return ManagerReply(.lockOwnerDied)
        }
        return ManagerReply()
    }

    /// Gives a free lock to its first waiter, if any.
    func grantNext(_ lock: ServedLock) {
        guard lock.owner == nil, let next = lock.waiters.popFirst() else { return }
        wake(next, grant(lock, to: next.session))
    }

    /// `eventSet`, `eventClear`, `eventIsSet` (replies [flag]) and `eventWait` (replies
    /// once set, or `.timedOut`).
    func handleEvent(_ request: ManagerRequest, _ event: ServedEvent, caller: Caller, now: Double) throws -> ManagerReply? {
        switch request.operation {
        case .eventSet:
            event.isSet = true
            let waiters = event.waiters
            event.waiters.removeAll()
            for waiter in waiters { wake(waiter, ManagerReply()) }
            return ManagerReply()
        case .eventClear:
            event.isSet = false
            return ManagerReply()
        case .eventIsSet:
            return ManagerReply(.ok, [WireValue.flag(event.isSet)])
        case .eventWait:
            if event.isSet { return ManagerReply() }
            if request.timeout == 0 { return ManagerReply(.timedOut) }
            event.waiters.append(caller)
            park(caller, on: request.object, timeout: request.timeout, now: now)
            return nil
        default:
            throw ServedFailure(.invalidRequest, "\(request.operation) is not an event operation")
        }
    }
}
