#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool worker's side: read jobs from its socket, run them in order, send each reply
/// before starting the next job, and leave when the pool closes the socket. Out of jobs,
/// it checks for the next one for `PoolEngine.spinSeconds` before it sleeps in `read`.
enum PoolWorkerLoop {
    /// What a spawned worker gets: its end of the socket. It runs registered functions only.
    struct SpawnArguments: Codable, Sendable {
        var connection: ProcessConnection
    }

    /// The entry point a spawned worker runs; `bootstrapIfChild()` knows it without
    /// registration.
    static let entryPoint = SpawnEntryPoint<SpawnArguments>("weave.pool.worker") { arguments in
        try run(socket: arguments.connection.descriptor, ring: nil, closures: [:], initializer: nil)
        withExtendedLifetime(arguments.connection) {}
    }

    /// Serves jobs until the pool closes the socket, committing replies to `ring` (a forked
    /// worker's) when they fit and sending them otherwise. An initializer that throws is
    /// reported as the reply to job 0, which tells the pool its workers cannot start.
    static func run(
        socket: Int32, ring: PoolReplyRing?, closures: [Int: PoolRunner], initializer: (@Sendable () throws -> Void)?
    ) throws {
        let replies = Replies(socket: socket, ring: ring)
        do {
            try initializer?()
        } catch {
            try replies.send(id: 0, status: PoolWire.failed, BinaryCodableEncoder().encode(PoolTaskError(describing: error)))
            throw error
        }
        var frames = PoolFrameBuffer()
        // Raw memory: zeroing it would fault in every page of it in each new worker.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        // One reply buffer for every job, so that a large chunk's reply reuses its memory.
        var reply: [UInt8] = []
        while true {
            while let body = frames.nextBody() {
                reply.removeAll(keepingCapacity: true)
                try serve(body, closures: closures, reply: &reply, replies: replies)
            }
            frames.makeRoomForPartialFrame()
            Syscalls.pollBriefly(readable: socket, seconds: PoolEngine.spinSeconds)
            let count: Int
            do {
                count = try Syscalls.read(socket, into: scratch)
            } catch let error as MultiprocessingError where error.errno == ECONNRESET {
                // The pool closed its end with replies unread: it has gone, as at the end.
                return
            }
            if count == 0 { return }
            frames.append(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
        }
    }

    /// Runs this loop once in this process, before its first pool worker is forked: a job
    /// shaped like an `apply` (one input decoded, a decoded output) and one for a closure it
    /// lacks, over a socket pair whose other end stops writing after them (the replies are
    /// dropped with the pair).
    ///
    /// A forked worker inherits the runtime's type metadata but not its parent's other
    /// threads, and creating metadata takes a runtime lock one of those threads may have
    /// held at the fork: the worker would wait for ever with its job. With the loop's
    /// metadata made here, the worker only reads it, which takes no lock. Each closure's own
    /// types are made when its runner is (`PoolChunkRunner.make`).
    static let warmUp: Void = {
        guard let (pool, worker) = try? ProcessPipe.make(), let ring = try? PoolReplyRing() else { return }
        var frames: [UInt8] = []
        PoolWire.appendJob(id: 1, function: .closure(0), payload: (try? BinaryCodableEncoder().encode([PoolNoInput()])) ?? [], to: &frames)
        PoolWire.appendJob(id: 2, function: .closure(1), payload: [], to: &frames)
        try? FrameIO.writeAll(pool.descriptor, frames, useSend: true)
        Syscalls.shutdown(pool.descriptor, writing: true)
        let apply = PoolChunkRunner.make { (_: PoolNoInput) in false }
        try? run(socket: worker.descriptor, ring: ring, closures: [0: apply], initializer: nil)
    }()

    /// Runs one job and sends its reply, written into `reply`.
    private static func serve(_ body: ArraySlice<UInt8>, closures: [Int: PoolRunner], reply: inout [UInt8], replies: Replies) throws {
        let id = PoolWire.load(UInt64.self, from: body, at: 0)
        let number = PoolWire.load(UInt32.self, from: body, at: 8)
        var payloadStart = 12
        let runner: PoolRunner?
        let label: String
        if number == PoolWire.namedMarker {
            let length = Int(PoolWire.load(UInt32.self, from: body, at: 12))
            let nameStart = body.startIndex + 16
            label = String(decoding: body[nameStart..<(nameStart + length)], as: UTF8.self)
            payloadStart = 16 + length
            runner = Multiprocessing.poolFunctions.runner(named: label)
        } else {
            label = "closure \(number)"
            runner = closures[Int(number)]
        }
        do {
            guard let runner else {
                throw MultiprocessingError(
                    .unknownEntryPoint,
                    context: "this worker does not know \(label): register pool functions before making the pool")
            }
            try body.withUnsafeBytes { try runner(UnsafeRawBufferPointer(rebasing: $0[payloadStart...]), &reply) }
            try replies.send(id: id, status: PoolWire.succeeded, reply)
        } catch {
            try replies.send(id: id, status: PoolWire.failed, BinaryCodableEncoder().encode(PoolTaskError(describing: error)))
        }
    }

    /// Where a worker's replies go: its ring when it has one and the reply fits, its socket
    /// otherwise. A reply committed while a round of the pool sleeps is followed by an
    /// empty frame on the socket, which wakes that round.
    private struct Replies {
        let socket: Int32
        let ring: PoolReplyRing?

        func send(id: UInt64, status: UInt8, _ payload: [UInt8]) throws {
            let header = PoolWire.replyHeader(id: id, status: status, payloadCount: payload.count)
            try header.withUnsafeBytes { header in
                try payload.withUnsafeBytes { payload in
                    let outcome = ring?.commit(header: header, payload: payload) ?? (committed: false, wake: false)
                    if !outcome.committed {
                        try FrameIO.writeAll(socket, header: header, payload: payload)
                    } else if outcome.wake {
                        try FrameIO.writeAll(socket, PoolWire.wakeFrame, useSend: true)
                    }
                }
            }
        }
    }
}
