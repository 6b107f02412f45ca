extension PoolFuture {
    /// `get(timeout:)` with a `Duration`.
    public func get(timeout: Duration?) throws -> Value {
        try get(timeout: timeout?.weaveSeconds)
    }

    /// `wait(timeout:)` with a `Duration`.
    @discardableResult
    public func wait(timeout: Duration?) throws -> Bool {
        try wait(timeout: timeout?.weaveSeconds)
    }
}
