import Synchronization

/// Runs one chunk of a pool's work in a worker: encoded inputs in, the encoded
/// `PoolChunkOutcome` appended to `reply`. It throws only when the bytes do not decode or
/// encode.
typealias PoolRunner = @Sendable (_ payload: UnsafeRawBufferPointer, _ reply: inout [UInt8]) throws -> Void

/// Runs `body` over the `count` plain-copy inputs at `inputs`, writes the outputs of those
/// that succeed one after another at `outputs` and the errors of those that throw to
/// `failures`; returns how many outputs it wrote.
typealias PoolPlainLoop = @Sendable (
    _ inputs: UnsafeRawBufferPointer, _ count: Int, _ outputs: UnsafeMutableRawPointer, _ failures: inout [PoolTaskError]
) -> Int

/// Makes the chunk runners of pool functions and closures.
///
/// A runner is made in generic code that the user's module cannot see into, so it is not
/// specialized for the user's types. It keeps runtime calls out of its loop over the inputs:
/// - when inputs and outputs travel as plain copies (`PlainArrayLayout`: `Int`, `Double`,
///   `UInt8`), it runs a loop specialized for that pair of types, which reads each input
///   from the job's bytes and writes each output straight into the reply, making no array;
/// - otherwise it decodes the inputs' array and writes the outputs through pointers, where
///   `append` and the array's subscript would check uniqueness and capacity per input.
enum PoolChunkRunner {
    /// The pairs of input and output types a runner was warmed up for in this process: the
    /// metadata `warmUp` makes depends on the types alone, so once per pair is enough.
    private static let warmedTypes = Mutex<Set<[ObjectIdentifier]>>([])

    /// A chunk runner for `body`; the first of its pair of types in this process has run
    /// once on an empty chunk (see `warmUp`).
    static func make<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ body: @escaping @Sendable (Input) throws -> Output
    ) -> PoolRunner {
        let plain = PlainArrayLayout(of: Input.self).flatMap { inputLayout in
            PlainArrayLayout(of: Output.self).flatMap { outputLayout in
                plainLoop(body).map { (loop: $0, input: inputLayout, output: outputLayout) }
            }
        }
        let runner: PoolRunner = { payload, reply in
            if let plain, let inputs = plain.input.elements(in: payload) {
                try runPlain(plain.loop, inputs: inputs, outputLayout: plain.output, as: Output.self, reply: &reply)
            } else {
                try runDecoded(body, payload: payload, reply: &reply)
            }
        }
        warmedTypes.withLock { warmed in
            // Warmed under the lock, so that no worker is forked for these types before it is done.
            if warmed.insert([ObjectIdentifier(Input.self), ObjectIdentifier(Output.self)]).inserted { warmUp(runner, for: Input.self) }
        }
        return runner
    }

    /// The loop of `body` specialized for its types, when both are `Int`, `Double` or `UInt8`.
    private static func plainLoop<Input, Output>(_ body: @escaping @Sendable (Input) throws -> Output) -> PoolPlainLoop? {
        let erased: Any = body
        return typedLoop(erased, Int.self, Int.self) ?? typedLoop(erased, Int.self, Double.self)
            ?? typedLoop(erased, Int.self, UInt8.self) ?? typedLoop(erased, Double.self, Double.self)
            ?? typedLoop(erased, Double.self, Int.self) ?? typedLoop(erased, Double.self, UInt8.self)
            ?? typedLoop(erased, UInt8.self, UInt8.self) ?? typedLoop(erased, UInt8.self, Int.self)
            ?? typedLoop(erased, UInt8.self, Double.self)
    }

    /// The loop for a function from `Input` to `Output`, when `function` is one; each call
    /// site names concrete types, so each is compiled for them.
    private static func typedLoop<Input: BitwiseCopyable, Output: BitwiseCopyable>(
        _ function: Any, _: Input.Type, _: Output.Type
    ) -> PoolPlainLoop? {
        guard let body = function as? @Sendable (Input) throws -> Output else { return nil }
        return { inputs, count, outputs, failures in
            var written = 0
            for offset in 0..<count {
                do {
                    let output = try body(inputs.loadUnaligned(fromByteOffset: offset * MemoryLayout<Input>.stride, as: Input.self))
                    outputs.storeBytes(of: output, toByteOffset: written * MemoryLayout<Output>.stride, as: Output.self)
                    written += 1
                } catch {
                    failures.append(PoolTaskError(describing: error, index: offset))
                }
            }
            return written
        }
    }

    private static func runPlain<Output: Codable & Sendable>(
        _ loop: PoolPlainLoop, inputs: (count: Int, raw: UnsafeRawBufferPointer), outputLayout: PlainArrayLayout,
        as _: Output.Type, reply: inout [UInt8]
    ) throws {
        let outcomeStart = reply.count
        reply += [0, 0, 0, 0]
        let headerStart = reply.count
        outputLayout.appendHeader(count: inputs.count, to: &reply)
        let outputsStart = reply.count
        let stride = outputLayout.stride
        reply.append(contentsOf: repeatElement(0, count: inputs.count * stride))
        var failures: [PoolTaskError] = []
        let written = reply.withUnsafeMutableBytes { bytes in
            loop(inputs.raw, inputs.count, bytes.baseAddress.unsafelyUnwrapped + outputsStart, &failures)
        }
        guard !failures.isEmpty else { return }
        // Fewer outputs than inputs: write the array's header again with their count.
        let outputBytes = Array(reply[outputsStart..<(outputsStart + written * stride)])
        reply.removeSubrange(headerStart...)
        outputLayout.appendHeader(count: written, to: &reply)
        reply += outputBytes
        try PoolChunkOutcome<Output>.append(failures, to: &reply, outcomeStart: outcomeStart)
    }

    private static func runDecoded<Input: Codable, Output: Codable & Sendable>(
        _ body: (Input) throws -> Output, payload: UnsafeRawBufferPointer, reply: inout [UInt8]
    ) throws {
        let inputs = try BinaryCodableDecoder().decode([Input].self, from: payload)
        var failures: [PoolTaskError] = []
        let outputs = [Output](unsafeUninitializedCapacity: inputs.count) { outputs, written in
            inputs.withUnsafeBufferPointer { inputs in
                for offset in 0..<inputs.count {
                    do {
                        (outputs.baseAddress.unsafelyUnwrapped + written).initialize(to: try body(inputs[offset]))
                        written += 1
                    } catch {
                        failures.append(PoolTaskError(describing: error, index: offset))
                    }
                }
            }
        }
        try PoolChunkOutcome(outputs: outputs, failures: failures).encode(into: &reply)
    }

    /// Runs `runner` on an empty chunk of `Input`, which calls nothing of the user's, so that
    /// the runtime type metadata and witness tables it needs exist in this process.
    ///
    /// A forked worker inherits the runtime's caches but not the other threads of its
    /// parent. Metadata it had to create for itself takes a runtime lock one of those
    /// threads may have held at the fork, and the worker would wait for ever with its job;
    /// metadata made before the fork it only reads, which takes no lock.
    private static func warmUp<Input: Codable>(_ runner: PoolRunner, for _: Input.Type) {
        let encoder = BinaryCodableEncoder()
        var reply: [UInt8] = []
        if let emptyChunk = try? encoder.encode([Input]()) {
            _ = try? emptyChunk.withUnsafeBytes { try runner($0, &reply) }
        }
        _ = try? encoder.encode([PoolTaskError(describing: MultiprocessingError(.invalidArgument), index: 0)])
    }
}
