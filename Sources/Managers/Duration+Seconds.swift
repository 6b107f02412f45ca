extension Duration {
    /// The duration in seconds, as the `Double` timeouts take it.
    var managerSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
