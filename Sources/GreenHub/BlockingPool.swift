import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads that run blocking work for green code (`Green.runBlocking`, name
/// resolution): a NIO thread pool started on first use in each process.
///
/// NIO's own singleton pool, like Dispatch, is no use in a forked child: the child has a
/// copy of it but none of its threads, so work handed to it never runs. This one notices
/// that it was started by another process and starts a pool of its own.
package enum BlockingPool {
    private static let state = NIOLockedValueBox<(pool: NIOThreadPool, owner: pid_t)?>(nil)

    /// This process's pool, started on first use.
    package static var current: NIOThreadPool {
        let me = getpid()
        return state.withLockedValue { state in
            if let state, state.owner == me { return state.pool }
            // A parent's pool, copied by fork, has no threads here: it is left as it is.
            let pool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
            pool.start()
            state = (pool, me)
            return pool
        }
    }
}
