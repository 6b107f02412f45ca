import Atomics

/// Where a forked pool worker gathers its replies before it sends them in one write, in
/// memory it shares with the pool, so that a batch survives the worker.
///
/// A worker that answers tiny jobs one write each spends most of its time in `send`, and
/// wakes the pool once per reply. Batching the replies instead must not lose one: the pool
/// learns which job a dead worker was running from the replies it got (the worker answers
/// in order), so a reply that was computed but not yet sent would make the pool blame the
/// wrong job. Here every reply is committed to shared memory as soon as it is computed; the
/// batch goes out through the socket when the worker has no job left to read, when it is
/// full, or when it is `maximumDelay` old. When the worker dies, the pool reads what it
/// committed and did not send (`unsentReplies()`); a reply it also received through the
/// socket (the worker died between sending and clearing) names a job it no longer holds
/// and is skipped.
///
/// Layout: an 8-byte word at 0, the committed length (stored with release ordering after the
/// bytes it covers), then reply frames from `dataStart` on.
final class PoolReplySpill: @unchecked Sendable {
    /// How long the first reply of a batch may wait for the others: short beside a slow
    /// job, long beside a tiny one.
    static let maximumDelay = 0.001
    private static let dataStart = 64
    private static let defaultSize = 1 << 16

    private let region: SharedRegion
    private let committed: UnsafeAtomic<Int>

    /// Maps a spill of `size` bytes (`memfd_create` and `mmap`), for a worker about to be
    /// forked.
    /// - Throws: `.systemCallFailed` when the memory cannot be mapped.
    init(size: Int = defaultSize) throws {
        region = try SharedRegion(size: size, name: "weave-pool-replies")
        committed = UnsafeAtomic<Int>(at: region.base.assumingMemoryBound(to: UnsafeAtomic<Int>.Storage.self))
    }

    /// The shared file behind the spill, which workers forked for other slots close.
    var descriptor: Int32 { region.descriptor }

    // MARK: The worker's side

    /// Whether no reply waits to be sent.
    var isEmpty: Bool { committed.load(ordering: .relaxed) == 0 }

    /// Commits a reply frame (`header`, then `payload`) if it fits; returns whether it did.
    func commit(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> Bool {
        let length = committed.load(ordering: .relaxed)
        let start = Self.dataStart + length
        guard start + header.count + payload.count <= region.size else { return false }
        let destination = region.base + start
        destination.copyMemory(from: header.baseAddress!, byteCount: header.count)
        if payload.count > 0 {
            (destination + header.count).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        }
        committed.store(length + header.count + payload.count, ordering: .releasing)
        return true
    }

    /// Sends the committed replies over `socket` in one write and clears the spill.
    /// - Throws: `.systemCallFailed` when the socket fails (the pool has gone).
    func send(over socket: Int32) throws {
        let length = committed.load(ordering: .relaxed)
        guard length > 0 else { return }
        try FrameIO.writeAll(socket, UnsafeRawBufferPointer(start: region.base + Self.dataStart, count: length), useSend: true)
        committed.store(0, ordering: .releasing)
    }

    // MARK: The pool's side

    /// The reply frames the worker committed and had not sent when it ended; read only
    /// once the worker has been reaped.
    func unsentReplies() -> [UInt8] {
        let length = committed.load(ordering: .acquiring)
        return Array(UnsafeRawBufferPointer(start: region.base + Self.dataStart, count: length))
    }
}
