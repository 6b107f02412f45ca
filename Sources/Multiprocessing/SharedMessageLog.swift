import Atomics

/// The private store behind every process queue: a multi-producer, multi-consumer log of
/// byte messages in shared memory.
///
/// The log is a ring over a large, sparse anonymous shared file (`capacity` bytes of
/// address space, 8 GiB by default). Only pages that hold unread messages use memory:
/// consumers give read pages back to the system (`fallocate(PUNCH_HOLE)`). A `put` copies
/// the message into shared memory before it returns, so a producer that exits right after
/// putting never blocks its own exit or its parent's `join` (Python's feeder-thread
/// deadlock cannot happen), and the message survives the producer.
///
/// Record layout, 16-byte aligned: an atomic 64-bit tag (the record's absolute offset with
/// its state in the low 4 bits), the writer's pid, the payload length, then the payload.
/// Producers reserve space under a robust process-shared mutex, then copy and commit
/// without it. Consumers claim the record at the head with a compare-and-swap after reading
/// it in place, so a message is delivered exactly once, and never in part: a record whose
/// writer died before committing is marked abandoned and skipped.
final class SharedMessageLog: @unchecked Sendable {
    private enum RecordState: UInt64 {
        case reserved = 1, committed = 2, padding = 3, abandoned = 4
    }

    static let headerSize = 4096
    private static let recordHeaderSize = 16
    /// How much read data accumulates before its pages are released.
    private static let releaseChunk: UInt64 = 2 << 20

    let region: SharedRegion
    let producers: SharedMonitor
    let capacity: UInt64
    let maximumCount: Int64
    private let data: UnsafeMutableRawPointer

    // Header words.
    private let tail: UnsafeAtomic<UInt64>
    private let head: UnsafeAtomic<UInt64>
    private let released: UnsafeAtomic<UInt64>
    private let messageCount: UnsafeAtomic<Int64>
    private let published: UnsafeMutablePointer<UInt32>
    private let consumersWaiting: UnsafeAtomic<UInt32>
    private let consumed: UnsafeMutablePointer<UInt32>
    private let producersWaiting: UnsafeAtomic<UInt32>

    /// Creates an empty log.
    /// - Parameters:
    ///   - capacity: Address space for unread messages; a power of two.
    ///   - maximumCount: The most unread messages allowed, or 0 for no limit.
    convenience init(capacity: Int = 1 << 33, maximumCount: Int = 0) throws {
        precondition(Self.isValidCapacity(capacity), "the log's capacity is a power of two of at least 64 KiB")
        self.init(
            region: try SharedRegion(size: Self.headerSize + capacity, name: "weave-queue"),
            producers: try SharedMonitor(name: "weave-queue-lock"),
            capacity: capacity, maximumCount: maximumCount)
    }

    /// Whether `capacity` is one a log can have: a power of two of at least 64 KiB.
    static func isValidCapacity(_ capacity: Int) -> Bool {
        capacity.nonzeroBitCount == 1 && capacity >= 1 << 16
    }

    /// The log in `region` (of `headerSize + capacity` bytes), made by the convenience
    /// initialiser in this process or its parent.
    init(region: SharedRegion, producers: SharedMonitor, capacity: Int, maximumCount: Int) {
        self.region = region
        self.producers = producers
        self.capacity = UInt64(capacity)
        self.maximumCount = Int64(maximumCount)
        data = region.base + Self.headerSize
        func atomic<Value: AtomicValue>(_ offset: Int, _ type: Value.Type) -> UnsafeAtomic<Value> {
            UnsafeAtomic(at: (region.base + offset).assumingMemoryBound(to: Value.AtomicRepresentation.self))
        }
        tail = atomic(0, UInt64.self)
        head = atomic(64, UInt64.self)
        released = atomic(128, UInt64.self)
        messageCount = atomic(192, Int64.self)
        published = region.word(at: 256)
        consumersWaiting = atomic(260, UInt32.self)
        consumed = region.word(at: 320)
        producersWaiting = atomic(324, UInt32.self)
    }

    /// The number of unread messages; other processes may change it at once.
    var count: Int { Int(max(0, messageCount.load(ordering: .relaxed))) }

    /// The largest payload a single message may have.
    var maximumPayload: Int { Int(min(capacity / 4, UInt64(UInt32.max))) }

    private func tag(at offset: UInt64) -> UnsafeAtomic<UInt64> {
        UnsafeAtomic(at: (data + Int(offset % capacity)).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }

    private func recordPid(at offset: UInt64) -> UnsafeMutablePointer<Int32> {
        (data + Int(offset % capacity) + 8).assumingMemoryBound(to: Int32.self)
    }

    private func recordLength(at offset: UInt64) -> UnsafeMutablePointer<UInt32> {
        (data + Int(offset % capacity) + 12).assumingMemoryBound(to: UInt32.self)
    }

    private static func aligned(_ length: Int) -> UInt64 {
        UInt64((recordHeaderSize + length + 15) & ~15)
    }

    // MARK: Producing

    /// Appends a message of `length` bytes that `fill` writes in place.
    /// - Returns: false when `timeout` expired first (the log is at `maximumCount` or out
    ///   of space).
    func put(length: Int, timeout: Double?, _ fill: (UnsafeMutableRawBufferPointer) -> Void) throws -> Bool {
        guard length <= maximumPayload else {
            throw MultiprocessingError(.invalidArgument, context: "a message of \(length) bytes exceeds the queue's limit of \(maximumPayload)")
        }
        let need = Self.aligned(length)
        let limitTime = deadline(after: timeout)
        guard let start = try reserve(need: need, length: length, deadline: limitTime) else { return false }
        fill(UnsafeMutableRawBufferPointer(start: data + Int(start % capacity) + Self.recordHeaderSize, count: length))
        tag(at: start).store(start | RecordState.committed.rawValue, ordering: .releasing)
        announce(published, waiting: consumersWaiting)
        return true
    }

    /// Reserves `need` bytes under the producers' lock; returns the record's offset.
    private func reserve(need: UInt64, length: Int, deadline limitTime: Double?) throws -> UInt64? {
        guard try producers.lockInternal(deadline: limitTime) else { return nil }
        defer { try? producers.unlock() }
        while true {
            var start = tail.load(ordering: .relaxed)
            let position = start % capacity
            let padding = position + need > capacity ? capacity - position : 0
            let full = maximumCount > 0 && messageCount.load(ordering: .relaxed) >= maximumCount
            if !full && start + padding + need - head.load(ordering: .acquiring) <= capacity {
                if padding > 0 {
                    recordLength(at: start).pointee = UInt32(padding)
                    tag(at: start).store(start | RecordState.padding.rawValue, ordering: .releasing)
                    start += padding
                }
                recordPid(at: start).pointee = Syscalls.processID()
                recordLength(at: start).pointee = UInt32(length)
                tag(at: start).store(start | RecordState.reserved.rawValue, ordering: .releasing)
                messageCount.wrappingIncrement(ordering: .relaxed)
                tail.store(start + need, ordering: .releasing)
                return start
            }
            if let limitTime, Syscalls.monotonicSeconds() >= limitTime { return nil }
            // Wait for consumers to make room, without holding the lock.
            let seen = UnsafeAtomic<UInt32>(at: UnsafeMutablePointer(OpaquePointer(consumed))).load(ordering: .acquiring)
            producersWaiting.wrappingIncrement(ordering: .sequentiallyConsistent)
            try producers.unlock()
            let remaining = limitTime.map { $0 - Syscalls.monotonicSeconds() }
            Syscalls.waitOnWord(consumed, expected: seen, timeout: min(remaining ?? 0.05, 0.05))
            producersWaiting.wrappingDecrement(ordering: .relaxed)
            guard try producers.lockInternal(deadline: limitTime) else { return nil }
        }
    }

    // MARK: Consuming

    /// Removes the oldest message, handing its bytes to `read` in place.
    /// - Returns: nil when `timeout` expired with the log empty.
    /// - Throws: what `read` throws; the message is consumed then.
    func get<Value>(timeout: Double?, _ read: (UnsafeRawBufferPointer) throws -> Value) throws -> Value? {
        let limitTime = deadline(after: timeout)
        var idleRounds = 0
        var reservedSince: Double? = nil
        while true {
            let start = head.load(ordering: .acquiring)
            let word = tag(at: start).load(ordering: .acquiring)
            let offset = word & ~15
            let state = RecordState(rawValue: word & 15)
            if offset == start, let state {
                switch state {
                case .committed:
                    let length = Int(recordLength(at: start).pointee)
                    let need = Self.aligned(length)
                    let payload = UnsafeRawBufferPointer(start: data + Int(start % capacity) + Self.recordHeaderSize, count: length)
                    let result = Result<Value, any Error>(catching: { try read(payload) })
                    if claim(start, need: need, isMessage: true) { return try result.get() }
                case .padding:
                    _ = claim(start, need: UInt64(recordLength(at: start).pointee), isMessage: false)
                case .abandoned:
                    _ = claim(start, need: Self.aligned(Int(recordLength(at: start).pointee)), isMessage: true)
                case .reserved:
                    // A producer is copying. If it died doing so, abandon its record.
                    let now = Syscalls.monotonicSeconds()
                    if let since = reservedSince, now - since > 0.02 {
                        reservedSince = now
                        if try !Syscalls.sendSignal(0, to: recordPid(at: start).pointee) {
                            _ = tag(at: start).compareExchange(
                                expected: word, desired: start | RecordState.abandoned.rawValue, ordering: .acquiringAndReleasing)
                        }
                    } else if reservedSince == nil {
                        reservedSince = now
                    }
                    Syscalls.yieldProcessor()
                }
                idleRounds = 0
                continue
            }
            // Nothing at the head: wait for a producer.
            if tail.load(ordering: .acquiring) != start { continue }
            idleRounds += 1
            if idleRounds < 16 {
                Syscalls.yieldProcessor()
                continue
            }
            let publishedAtomic = UnsafeAtomic<UInt32>(at: UnsafeMutablePointer(OpaquePointer(published)))
            let seen = publishedAtomic.load(ordering: .acquiring)
            consumersWaiting.wrappingIncrement(ordering: .sequentiallyConsistent)
            defer { consumersWaiting.wrappingDecrement(ordering: .relaxed) }
            if tail.load(ordering: .sequentiallyConsistent) != start { continue }
            let remaining = limitTime.map { $0 - Syscalls.monotonicSeconds() }
            if let remaining, remaining <= 0 { return nil }
            Syscalls.waitOnWord(published, expected: seen, timeout: min(remaining ?? 0.1, 0.1))
        }
    }

    /// Moves the head past the record at `start`; true for the one consumer that does.
    private func claim(_ start: UInt64, need: UInt64, isMessage: Bool) -> Bool {
        guard head.compareExchange(expected: start, desired: start + need, ordering: .acquiringAndReleasing).exchanged else {
            return false
        }
        if isMessage { messageCount.wrappingDecrement(ordering: .relaxed) }
        releasePages(below: start + need)
        if producersWaiting.load(ordering: .sequentiallyConsistent) > 0 {
            announce(consumed, waiting: producersWaiting)
        }
        return true
    }

    /// Gives the pages of read records back to the system, a chunk at a time.
    private func releasePages(below newHead: UInt64) {
        let done = released.load(ordering: .relaxed)
        let target = newHead & ~(Self.releaseChunk - 1)
        guard target > done, released.compareExchange(expected: done, desired: target, ordering: .relaxed).exchanged else { return }
        var from = done
        while from < target {
            let position = from % capacity
            let length = min(target - from, capacity - position)
            Syscalls.releasePages(region.descriptor, offset: Self.headerSize + Int(position), length: Int(length))
            from += length
        }
    }

    private func announce(_ word: UnsafeMutablePointer<UInt32>, waiting: UnsafeAtomic<UInt32>) {
        UnsafeAtomic<UInt32>(at: UnsafeMutablePointer(OpaquePointer(word))).wrappingIncrement(ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .sequentiallyConsistent) > 0 { Syscalls.wakeAllOnWord(word) }
    }
}
