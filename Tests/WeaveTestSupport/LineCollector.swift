#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread-safe line buffer for `Tour.emit`, so that tests read back what a chapter
/// printed.
public final class LineCollector: @unchecked Sendable {
    private var storage: [String] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    /// Creates an empty collector.
    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The lines so far, in order.
    public var lines: [String] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return storage
    }

    /// Adds a line.
    public func append(_ line: String) {
        pthread_mutex_lock(mutex)
        storage.append(line)
        pthread_mutex_unlock(mutex)
    }
}
