
/// What a worker sends back for a chunk: the outputs of the inputs that succeeded, in
/// order, and the errors of those that threw, each `index` counting from the chunk's start.
///
/// Its bytes are written by hand rather than as a keyed `Codable` value, which would cost
/// more than a tiny task itself: the 4-byte little-endian length of the encoded
/// `[PoolTaskError]` at the end (0 when none failed), the encoded `[Output]` (plain copies
/// for `[Int]`, `[Double]`, `[UInt8]`), then those errors' bytes. The outputs come first so
/// that a worker can write each one as its input finishes (`PoolChunkRunner`).
struct PoolChunkOutcome<Output: Codable & Sendable>: Sendable {
    var outputs: [Output]
    var failures: [PoolTaskError]

    /// Appends the outcome's bytes to `bytes`.
    func encode(into bytes: inout [UInt8]) throws {
        let start = bytes.count
        bytes += [0, 0, 0, 0]
        try BinaryCodableEncoder().encode(outputs, into: &bytes)
        try Self.append(failures, to: &bytes, outcomeStart: start)
    }

    /// Appends `failures` to an outcome whose outputs are written from `outcomeStart` on, and
    /// sets its failure length.
    static func append(_ failures: [PoolTaskError], to bytes: inout [UInt8], outcomeStart: Int) throws {
        guard !failures.isEmpty else { return }
        let failuresStart = bytes.count
        try BinaryCodableEncoder().encode(failures, into: &bytes)
        withUnsafeBytes(of: UInt32(bytes.count - failuresStart).littleEndian) { length in
            bytes.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[outcomeStart..<(outcomeStart + 4)]).copyMemory(from: length) }
        }
    }

    init(outputs: [Output], failures: [PoolTaskError]) {
        self.outputs = outputs
        self.failures = failures
    }

    /// Decodes bytes written by `encode(into:)`.
    /// - Throws: `DecodingError` for bytes that are not an outcome of `[Output]`.
    init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= 4 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a pool reply of \(bytes.count) bytes"))
        }
        let failureLength = Int(PoolWire.load(UInt32.self, from: bytes[...], at: 0))
        guard bytes.count - 4 >= failureLength else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a pool reply cut short"))
        }
        let failuresStart = bytes.count - failureLength
        let decoder = BinaryCodableDecoder()
        (outputs, failures) = try bytes.withUnsafeBytes {
            (
                try decoder.decode([Output].self, from: UnsafeRawBufferPointer(rebasing: $0[4..<failuresStart])),
                failureLength == 0 ? [] : try decoder.decode([PoolTaskError].self, from: UnsafeRawBufferPointer(rebasing: $0[failuresStart...]))
            )
        }
    }
}

/// The input of work that takes none (`apply` of a closure without arguments).
struct PoolNoInput: Codable, Sendable {}

/// Which function a job runs: a closure the worker inherited at its fork, by its number in
/// the pool's table, or a registered ``PoolFunction``, by name.
enum PoolJobFunction: Sendable, Equatable {
    case closure(Int)
    case named(String)
}

/// The frames between a pool and its workers, over each worker's own socket.
///
/// Every frame is a 4-byte little-endian body length, then the body.
/// - A job: an 8-byte id, a 4-byte closure number (`namedMarker` for a registered function,
///   followed by its name as a 4-byte length and UTF-8 bytes), then the encoded inputs.
/// - A reply: the job's 8-byte id, a status byte (`succeeded`: the encoded
///   `PoolChunkOutcome`; `failed`: an encoded ``PoolTaskError``), then the payload. A
///   forked worker commits its replies to a `PoolReplyRing` when they fit.
/// - An empty frame from a worker: a wake-up, after a reply it committed to its ring.
///
/// A worker answers its jobs in the order it got them, each reply sent before the next job
/// starts, so the first unanswered job of a worker that died is the one it was running.
enum PoolWire {
    static let namedMarker = UInt32.max
    static let succeeded: UInt8 = 0
    static let failed: UInt8 = 1

    /// Appends a job frame to `frame`.
    static func appendJob(id: UInt64, function: PoolJobFunction, payload: [UInt8], to frame: inout [UInt8]) {
        appendJobHeader(id: id, function: function, payloadCount: payload.count, to: &frame)
        frame.append(contentsOf: payload)
    }

    /// Appends what precedes a job's payload in its frame to `frame`.
    static func appendJobHeader(id: UInt64, function: PoolJobFunction, payloadCount: Int, to frame: inout [UInt8]) {
        var body = 12 + payloadCount
        let nameBytes: [UInt8]
        switch function {
        case .closure: nameBytes = []
        case .named(let name):
            nameBytes = Array(name.utf8)
            body += 4 + nameBytes.count
        }
        append(UInt32(body), to: &frame)
        append(id, to: &frame)
        switch function {
        case .closure(let number): append(UInt32(number), to: &frame)
        case .named:
            append(namedMarker, to: &frame)
            append(UInt32(nameBytes.count), to: &frame)
            frame.append(contentsOf: nameBytes)
        }
    }

    /// An empty frame: a worker's wake-up call for a round asleep while the worker committed
    /// a reply to its ring (`PoolReplyRing`).
    static let wakeFrame: [UInt8] = [0, 0, 0, 0]

    /// A reply frame's header: its body length, the job id and the status; the payload
    /// follows.
    static func replyHeader(id: UInt64, status: UInt8, payloadCount: Int) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(13)
        append(UInt32(9 + payloadCount), to: &header)
        append(id, to: &header)
        header.append(status)
        return header
    }

    static func append<Word: FixedWidthInteger>(_ word: Word, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The word at `offset` bytes from the start of `bytes`.
    static func load<Word: FixedWidthInteger>(_: Word.Type, from bytes: ArraySlice<UInt8>, at offset: Int) -> Word {
        bytes.withUnsafeBytes { Word(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Word.self)) }
    }
}

/// Splits the bytes read from a socket into frames, keeping a partial frame for the next
/// read.
struct PoolFrameBuffer {
    private var bytes: [UInt8] = []
    private var start = 0

    /// Whether a partial frame is waiting for more bytes.
    var holdsPartialFrame: Bool { start < bytes.count }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        if start > 0 && start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
        bytes.append(contentsOf: chunk)
    }

    /// The next whole frame's body, if one has arrived.
    mutating func nextBody() -> ArraySlice<UInt8>? {
        guard bytes.count - start >= 4 else { return compacted() }
        let length = Int(PoolWire.load(UInt32.self, from: bytes[start...], at: 0))
        guard bytes.count - start - 4 >= length else { return compacted() }
        let body = bytes[(start + 4)..<(start + 4 + length)]
        start += 4 + length
        return body
    }

    /// Makes room for the whole of a frame whose length has arrived, at once, where
    /// appending its bytes would grow the buffer step by step, copying it each time.
    mutating func makeRoomForPartialFrame() {
        guard bytes.count - start >= 4 else { return }
        let length = Int(PoolWire.load(UInt32.self, from: bytes[start...], at: 0))
        bytes.reserveCapacity(start + 4 + length)
    }

    /// Takes the partial frame at the front when it is a reply of at least `minimumLength`
    /// bytes whose id and status have arrived: the reply with its payload array made at
    /// full size, the bytes already here copied in, and how many those are. The rest of
    /// the payload can then be read straight into the array.
    mutating func takeLargeReply(minimumLength: Int) -> (reply: PoolReply, received: Int)? {
        guard bytes.count - start >= 13 else { return nil }
        let length = Int(PoolWire.load(UInt32.self, from: bytes[start...], at: 0))
        guard length >= minimumLength, bytes.count - start - 4 < length else { return nil }
        let header = bytes[(start + 4)..<(start + 13)]
        let here = bytes[(start + 13)...]
        var reply = PoolReply(header)
        reply.payload = [UInt8](unsafeUninitializedCapacity: length - 9) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyBytes(from: here)
            initialized = length - 9
        }
        bytes.removeAll(keepingCapacity: true)
        start = 0
        return (reply, here.count)
    }

    /// Moves a partial frame to the front once the consumed bytes outweigh it; returns nil.
    private mutating func compacted() -> ArraySlice<UInt8>? {
        if start > 0 && start >= bytes.count - start {
            bytes.removeSubrange(0..<start)
            start = 0
        }
        return nil
    }
}
