import GreenHub
import NIOCore

/// When a blocking network call must give up: the earlier of its own timeout and the
/// socket's default, measured once when the call starts so that a call made of several
/// waits (`receive(exactly:)`) keeps one budget.
struct GreenDeadline {
    private let deadline: NIODeadline?
    private let seconds: Double

    /// A deadline `timeout` seconds from now; `nil` never expires.
    init(_ timeout: Double?) throws {
        if let timeout {
            guard timeout.isFinite, timeout >= 0 else {
                throw GreenNetError(.invalidArgument, "a timeout must be a finite number of seconds, 0 or more, not \(timeout)")
            }
            seconds = timeout
            deadline = .now() + .nanoseconds(Int64(min(timeout, 1e9) * 1e9))
        } else {
            seconds = 0
            deadline = nil
        }
    }

    /// The seconds left, for one wait; throws ``/GreenHub/GreenTimeoutError`` once none are left.
    func remaining() throws -> Double? {
        guard let deadline else { return nil }
        let left = deadline - .now()
        guard left > .zero else { throw GreenTimeoutError(seconds: seconds) }
        return Double(left.nanoseconds) / 1e9
    }
}

extension EventLoopFuture where Value: Sendable {
    /// Waits in the running greenlet for the future, returning at once (without a trip
    /// through the hub) when it has completed already.
    func greenWait(until deadline: GreenDeadline) throws -> Value {
        let future = hop(to: Hub.current.eventLoop)
        let early = EarlyResult<Value>()
        future.assumeIsolated().whenComplete { early.result = $0 }
        if let result = early.result { return try result.get() }
        return try Green.wait(future, timeout: deadline.remaining())
    }
}

/// The result of a future, when it has one already.
private final class EarlyResult<Value> {
    var result: Result<Value, any Error>?
}
