import Dispatch
import Synchronization

/// Runs `body` as a task and blocks the calling thread until it ends: for spawn entry
/// points, which are synchronous, that test async code.
///
/// - Throws: What `body` throws.
public func waitForAsync<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
    let outcome = Mutex<Result<Value, any Error>>(.failure(CancellationError()))
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let value = try await body()
            outcome.withLock { $0 = .success(value) }
        } catch {
            outcome.withLock { $0 = .failure(error) }
        }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0 }.get()
}
