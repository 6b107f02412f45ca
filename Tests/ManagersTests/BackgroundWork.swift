import Foundation

/// Work running on a thread of its own, whose result a test collects later.
final class BackgroundWork<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<Value, any Error>?

    init(_ body: @escaping @Sendable () throws -> Value) {
        Thread {
            self.outcome = Result { try body() }
            self.done.signal()
        }.start()
    }

    struct NotFinished: Error {}

    /// The work's result, waiting at most `timeout` seconds (a generous bound that only
    /// turns a hang into a failure).
    func result(timeout: Double = 30) throws -> Value {
        guard done.wait(timeout: .now() + timeout) == .success else { throw NotFinished() }
        return try outcome!.get()
    }
}
