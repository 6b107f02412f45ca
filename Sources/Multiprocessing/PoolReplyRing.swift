import Atomics

/// The replies a forked pool worker commits to memory it shares with its pool, so that a
/// stream of tiny jobs' replies crosses without a socket write and read each.
///
/// The ring holds reply frames exactly as the socket would carry them (`PoolWire`). The
/// worker commits each reply before it starts its next job, as it would send it, so the
/// first unanswered job of a worker that died is still the one it was running: the pool
/// reads what the dead worker committed before it buries it. A reply that does not fit in
/// the free space goes over the socket; the pool matches replies to jobs by id, so the two
/// paths may interleave.
///
/// The pool reads the ring whenever it drives, and while it spins. A round of the pool that
/// is about to sleep in `poll` counts itself in `sleepers` and looks at the ring once more;
/// a worker that commits a reply while a round sleeps sends an empty frame over the socket
/// to wake it. Both sides use sequentially consistent operations on the count and the
/// committed offset, so either the round sees the reply or the worker sees the sleeper.
final class PoolReplyRing: @unchecked Sendable {
    /// Bytes of replies the ring holds at most.
    static let capacity = 1 << 16
    private static let headerSize = 4096

    private let region: SharedRegion
    private let data: UnsafeMutableRawPointer
    /// Bytes committed since the start, written by the worker.
    private let committed: UnsafeAtomic<UInt64>
    /// Bytes the pool has read since the start, written by the pool.
    private let consumed: UnsafeAtomic<UInt64>
    /// The pool's rounds asleep in `poll` now.
    private let sleepers: UnsafeAtomic<UInt32>

    /// Maps an empty ring, which workers forked afterwards share.
    init() throws {
        region = try SharedRegion(size: Self.headerSize + Self.capacity, name: "weave-pool-replies")
        data = region.base + Self.headerSize
        committed = UnsafeAtomic(at: region.base.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        consumed = UnsafeAtomic(at: (region.base + 64).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        sleepers = UnsafeAtomic(at: (region.base + 128).assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
    }

    /// The shared file behind the ring, for a forked child to close with the rest.
    var descriptor: Int32 { region.descriptor }

    // MARK: The worker's side

    /// Commits one reply frame, `header` then `payload`, if the free space holds it.
    /// - Returns: Whether it was committed; if so, whether a round of the pool sleeps and
    ///   must be woken.
    func commit(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> (committed: Bool, wake: Bool) {
        let start = committed.load(ordering: .relaxed)
        let free = UInt64(Self.capacity) - (start - consumed.load(ordering: .acquiring))
        guard UInt64(header.count + payload.count) <= free else { return (false, false) }
        copy(header, at: start)
        copy(payload, at: start + UInt64(header.count))
        committed.store(start + UInt64(header.count + payload.count), ordering: .sequentiallyConsistent)
        return (true, sleepers.load(ordering: .sequentiallyConsistent) > 0)
    }

    private func copy(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let position = Int(offset % UInt64(Self.capacity))
        let first = min(bytes.count, Self.capacity - position)
        (data + position).copyMemory(from: source, byteCount: first)
        if first < bytes.count { data.copyMemory(from: source + first, byteCount: bytes.count - first) }
    }

    // MARK: The pool's side (one thread at a time: the engine's lock)

    /// Whether replies are waiting.
    var hasReplies: Bool {
        committed.load(ordering: .sequentiallyConsistent) != consumed.load(ordering: .relaxed)
    }

    /// Appends every committed reply frame to `frames` and frees their space.
    func take(into frames: inout PoolFrameBuffer) {
        let start = consumed.load(ordering: .relaxed)
        let end = committed.load(ordering: .acquiring)
        guard end != start else { return }
        let position = Int(start % UInt64(Self.capacity))
        let count = Int(end - start)
        let first = min(count, Self.capacity - position)
        frames.append(UnsafeRawBufferPointer(start: data + position, count: first))
        if first < count { frames.append(UnsafeRawBufferPointer(start: data, count: count - first)) }
        consumed.store(end, ordering: .releasing)
    }

    /// Counts a round that is about to sleep; `hasReplies` read afterwards cannot miss a
    /// reply whose worker did not see the count.
    func beginSleep() {
        sleepers.wrappingIncrement(ordering: .sequentiallyConsistent)
    }

    /// Uncounts a round that woke.
    func endSleep() {
        sleepers.wrappingDecrement(ordering: .sequentiallyConsistent)
    }
}
