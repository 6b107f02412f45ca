// Every timeout of the module also takes a `Duration`. Each overload below forwards to
// its `Double` seconds twin through `Duration.timeoutSeconds`, the one conversion.

extension AnyOSThread {
    /// `join(timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func join(timeout: Duration?) throws -> Bool {
        try join(timeout: timeout.timeoutSeconds)
    }
}

extension OSThread {
    /// `join(timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func join(timeout: Duration?) throws -> Bool {
        try join(timeout: timeout.timeoutSeconds)
    }

    /// `get(timeout:)` with a `Duration`; `nil` waits for ever.
    public func get(timeout: Duration?) throws -> Value {
        try get(timeout: timeout.timeoutSeconds)
    }
}

extension ThreadLock {
    /// `acquire(blocking:timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Duration?) -> Bool {
        acquire(blocking: blocking, timeout: timeout.timeoutSeconds)
    }
}

extension ThreadRLock {
    /// `acquire(blocking:timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Duration?) -> Bool {
        acquire(blocking: blocking, timeout: timeout.timeoutSeconds)
    }
}

extension ThreadCondition {
    /// `acquire(blocking:timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Duration?) -> Bool {
        acquire(blocking: blocking, timeout: timeout.timeoutSeconds)
    }

    /// `wait(timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func wait(timeout: Duration?) throws -> Bool {
        try wait(timeout: timeout.timeoutSeconds)
    }

    /// `wait(for:timeout:)` with a `Duration`; `nil` waits for ever.
    public func wait(for predicate: () throws -> Bool, timeout: Duration?) throws -> Bool {
        try wait(for: predicate, timeout: timeout.timeoutSeconds)
    }
}

extension ThreadSemaphore {
    /// `acquire(blocking:timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Duration?) -> Bool {
        acquire(blocking: blocking, timeout: timeout.timeoutSeconds)
    }
}

extension ThreadEvent {
    /// `wait(timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func wait(timeout: Duration?) -> Bool {
        wait(timeout: timeout.timeoutSeconds)
    }
}

extension ThreadBarrier {
    /// `init(parties:timeout:action:)` with a `Duration` default timeout.
    public convenience init(parties: Int, timeout: Duration?, action: (@Sendable () throws -> Void)? = nil) {
        self.init(parties: parties, timeout: timeout.timeoutSeconds, action: action)
    }

    /// `wait(timeout:)` with a `Duration`; `nil` takes the barrier's own timeout.
    public func wait(timeout: Duration?) throws -> Int {
        try wait(timeout: timeout.timeoutSeconds)
    }
}

extension ThreadTimer {
    /// `init(interval:name:daemon:_:)` with a `Duration` interval.
    public convenience init(
        interval: Duration, name: String? = nil, daemon: Bool? = nil,
        _ body: @escaping @Sendable () throws -> Void
    ) {
        self.init(interval: interval.timeoutSeconds, name: name, daemon: daemon, body)
    }

    /// `join(timeout:)` with a `Duration`; `nil` waits for ever.
    @discardableResult
    public func join(timeout: Duration?) throws -> Bool {
        try join(timeout: timeout.timeoutSeconds)
    }
}
