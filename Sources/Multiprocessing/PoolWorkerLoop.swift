/// A pool worker's side: read jobs from its socket, run them in order, answer each in that
/// order (a reply is sent, or committed to shared memory the pool reads if the worker dies,
/// before the next job starts), and leave when the pool closes the socket.
enum PoolWorkerLoop {
    /// What a spawned worker gets: its end of the socket. It runs registered functions only.
    struct SpawnArguments: Codable, Sendable {
        var connection: ProcessConnection
    }

    /// The entry point a spawned worker runs; `bootstrapIfChild()` knows it without
    /// registration.
    static let entryPoint = SpawnEntryPoint<SpawnArguments>("weave.pool.worker") { arguments in
        try run(socket: arguments.connection.descriptor, spill: nil, closures: [:], initializer: nil)
        withExtendedLifetime(arguments.connection) {}
    }

    /// Serves jobs until the pool closes the socket. An initializer that throws is reported
    /// as the reply to job 0, which tells the pool its workers cannot start. With a `spill`
    /// (forked workers), replies go out in batches (see `PoolReplySpill`); without one, each
    /// is sent before the next job starts.
    static func run(
        socket: Int32, spill: PoolReplySpill?, closures: [Int: PoolRunner], initializer: (@Sendable () throws -> Void)?
    ) throws {
        do {
            try initializer?()
        } catch {
            var direct = Outbox(socket: socket, spill: nil)
            try direct.reply(id: 0, status: PoolWire.failed, BinaryCodableEncoder().encode(PoolTaskError(describing: error)))
            throw error
        }
        var outbox = Outbox(socket: socket, spill: spill)
        var frames = PoolFrameBuffer()
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            while let body = frames.nextBody() {
                outbox.jobStarts()
                try serve(body, closures: closures, outbox: &outbox)
            }
            try outbox.flush()
            let count = try scratch.withUnsafeMutableBytes { try Syscalls.read(socket, into: $0) }
            if count == 0 { return }
            scratch.withUnsafeBytes { frames.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Runs one job and hands its reply to `outbox`.
    private static func serve(_ body: ArraySlice<UInt8>, closures: [Int: PoolRunner], outbox: inout Outbox) throws {
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
            try outbox.reply(id: id, status: PoolWire.succeeded, runner(Array(body[(body.startIndex + payloadStart)...])))
        } catch {
            try outbox.reply(id: id, status: PoolWire.failed, BinaryCodableEncoder().encode(PoolTaskError(describing: error)))
        }
    }

    /// A worker's outgoing replies: committed to the spill and sent in batches, or sent one
    /// by one when there is no spill or a reply does not fit in it.
    ///
    /// A batch goes out once its first job started `PoolReplySpill.maximumDelay` ago, so a
    /// slow job's reply leaves at once and tiny jobs' replies wait at most about that long
    /// (or for one job that follows them).
    struct Outbox {
        let socket: Int32
        let spill: PoolReplySpill?
        /// When the job being run started.
        private var jobStart = 0.0
        /// When the first job of the unsent batch started.
        private var batchStart = 0.0

        init(socket: Int32, spill: PoolReplySpill?) {
            self.socket = socket
            self.spill = spill
        }

        /// Notes that a job starts now.
        mutating func jobStarts() {
            if spill != nil { jobStart = Syscalls.monotonicSeconds() }
        }

        /// Commits or sends the reply of the job that started last.
        mutating func reply(id: UInt64, status: UInt8, _ payload: [UInt8]) throws {
            try PoolWire.ReplyHeader(id: id, status: status, payloadCount: payload.count).withUnsafeBytes { header in
                try payload.withUnsafeBytes { payload in
                    guard let spill else { return try FrameIO.writeAll(socket, header: header, payload: payload) }
                    if spill.isEmpty { batchStart = jobStart }
                    if !spill.commit(header: header, payload: payload) {
                        try spill.send(over: socket)
                        batchStart = jobStart
                        guard spill.commit(header: header, payload: payload) else {
                            return try FrameIO.writeAll(socket, header: header, payload: payload)
                        }
                    }
                    if Syscalls.monotonicSeconds() - batchStart >= PoolReplySpill.maximumDelay {
                        try spill.send(over: socket)
                    }
                }
            }
        }

        /// Sends the batch, before the worker waits for more jobs.
        func flush() throws {
            try spill?.send(over: socket)
        }
    }
}
