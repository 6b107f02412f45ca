import DequeModule

/// The pool's record of one worker process.
final class PoolWorkerSlot {
    enum Phase {
        /// Takes new jobs.
        case serving
        /// Finishes the jobs it holds, then is told to leave (a new generation replaced it,
        /// or it reached `maxTasksPerChild`).
        case retiring
        /// Its socket was shut for writing: it leaves once it reads the end of the stream.
        case exiting
    }

    let process: ChildProcess
    let connection: ProcessConnection
    /// Where a forked worker commits the replies that fit; nil for a spawned one.
    let ring: PoolReplyRing?
    let pid: Int32
    /// Closures numbered below it were in the pool's table when the worker was forked.
    let generation: Int
    var phase = Phase.serving
    /// Jobs sent and not yet answered, in the order sent (the worker answers in that order).
    var held = Deque<PoolJob>()
    /// Job frames not yet taken by the socket, in order, from `outboundStart` of the first
    /// on: small frames copied together into one array, a large job's payload by reference
    /// (the socket takes it straight from the job's array).
    private var outbound = Deque<[UInt8]>()
    private var outboundStart = 0
    /// Whether the last array of `outbound` is a job's payload, which frames are not copied
    /// into.
    private var outboundEndsWithPayload = false
    var inbound = PoolFrameBuffer()
    private var committed = PoolFrameBuffer()
    /// A large reply whose payload is read straight into its own array (no copy through
    /// `inbound`), and how many of its bytes have arrived.
    private var largeReply: (reply: PoolReply, received: Int)?
    /// Jobs given to this worker, for `maxTasksPerChild`.
    var jobsTaken = 0
    /// Whether the worker's end of the socket is gone (it ended, or is ending).
    var reachedEnd = false

    init(process: ChildProcess, connection: ProcessConnection, ring: PoolReplyRing?, generation: Int) {
        self.process = process
        self.connection = connection
        self.ring = ring
        pid = process.pid ?? 0
        self.generation = generation
    }

    var socket: Int32 { connection.descriptor }
    /// Whether the pool may hand this worker new jobs: it serves, and its socket is open.
    var takesJobs: Bool { phase == .serving && !reachedEnd }
    var hasOutbound: Bool { !outbound.isEmpty }

    /// Payloads from this size on go to the socket from their own arrays, uncopied.
    private static let payloadByReference = 1 << 14

    /// Whether this worker can run `function`.
    func knows(_ function: PoolJobFunction) -> Bool {
        switch function {
        case .named: true
        case .closure(let number): number < generation
        }
    }

    /// Queues `job`'s frame behind the others.
    func send(_ job: PoolJob) {
        held.append(job)
        jobsTaken += 1
        let byReference = job.payload.count >= Self.payloadByReference
        if outbound.isEmpty || outboundEndsWithPayload { outbound.append([]) }
        PoolWire.appendJobHeader(id: job.id, function: job.function, payloadCount: job.payload.count, to: &outbound[outbound.count - 1])
        if byReference {
            outbound.append(job.payload)
        } else {
            outbound[outbound.count - 1] += job.payload
        }
        outboundEndsWithPayload = byReference
    }

    /// Writes what the socket takes now. A worker that has gone shows as the end of the
    /// stream on the next read, so a failed write is left to that.
    func flush() {
        while let first = outbound.first {
            let taken = first.withUnsafeBytes {
                (try? Syscalls.sendAvailable(socket, from: UnsafeRawBufferPointer(rebasing: $0[outboundStart...]))) ?? 0
            }
            if taken == 0 { return }
            outboundStart += taken
            if outboundStart == first.count {
                outbound.removeFirst()
                outboundStart = 0
                if outbound.isEmpty { outboundEndsWithPayload = false }
            }
        }
    }

    /// Takes the replies the worker committed to its ring.
    func receiveCommitted() -> [PoolReply] {
        guard let ring, ring.hasReplies else { return [] }
        ring.take(into: &committed)
        var replies: [PoolReply] = []
        while let body = committed.nextBody() { replies.append(PoolReply(body)) }
        return replies
    }

    /// Reads every reply waiting now, its ring's first, and notes the end of the stream. A
    /// read that leaves room in `scratch` took all the socket held, so it is the last of
    /// the call.
    func receive(into scratch: inout [UInt8]) -> [PoolReply] {
        var replies = receiveCommitted()
        while !reachedEnd {
            if var large = largeReply {
                largeReply = nil
                let received = large.received
                guard let count = receive(into: &large.reply.payload, from: received) else {
                    largeReply = large
                    break
                }
                large.received += count
                if large.received == large.reply.payload.count {
                    replies.append(large.reply)
                } else {
                    largeReply = large
                }
                continue
            }
            guard let count = receive(into: &scratch, from: 0) else { break }
            scratch.withUnsafeBytes { inbound.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            // Each body is copied out before the next append, which would otherwise copy
            // the whole buffer the body's slice shares.
            while let body = inbound.nextBody() {
                if !body.isEmpty { replies.append(PoolReply(body)) }
            }
            largeReply = inbound.takeLargeReply(minimumLength: scratch.count)
            if count < scratch.count && largeReply == nil { break }
        }
        return replies
    }

    /// Reads what the socket holds into `buffer` from `offset`: the count, nil when it
    /// holds nothing now, 0 at the end of the stream (which it notes).
    private func receive(into buffer: inout [UInt8], from offset: Int) -> Int? {
        let count: Int?
        do {
            count = try buffer.withUnsafeMutableBytes { try Syscalls.receiveAvailable(socket, into: UnsafeMutableRawBufferPointer(rebasing: $0[offset...])) }
        } catch {
            count = 0
        }
        if count == 0 { reachedEnd = true }
        return count
    }
}

/// A worker's answer to one job (see `PoolWire`).
struct PoolReply {
    var id: UInt64
    var succeeded: Bool
    var payload: [UInt8]

    init(_ body: ArraySlice<UInt8>) {
        id = PoolWire.load(UInt64.self, from: body, at: 0)
        succeeded = body[body.startIndex + 8] == PoolWire.succeeded
        payload = Array(body[(body.startIndex + 9)...])
    }
}
