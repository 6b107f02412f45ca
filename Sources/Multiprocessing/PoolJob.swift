/// One chunk of work on its way through a pool: which function, its encoded inputs, and
/// what to do with the reply. `finish` runs once, on the thread that drives the pool,
/// outside the pool's lock.
final class PoolJob: @unchecked Sendable {
    let function: PoolJobFunction
    let payload: [UInt8]
    let finish: (Result<[UInt8], any Error>) -> Void
    /// Asked, under the pool's lock, when the job is handed to a worker; false drops the
    /// job (its future was cancelled) and finishes it with `.poolClosed`.
    var start: (() -> Bool)?
    /// Set when the job is queued; replies name it.
    var id: UInt64 = 0
    /// Set when the job ends, read by `finish`'s caller.
    var result: Result<[UInt8], any Error>?

    init(function: PoolJobFunction, payload: [UInt8], finish: @escaping (Result<[UInt8], any Error>) -> Void) {
        self.function = function
        self.payload = payload
        self.finish = finish
    }
}
