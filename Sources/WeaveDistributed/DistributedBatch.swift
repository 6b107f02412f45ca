import Multiprocessing

/// Claimed tasks of one function, on their way from a distributed worker to one of its
/// local worker processes: the function's name and each task's encoded input.
struct DistributedBatch: Codable, Sendable {
    var function: String
    var inputs: [[UInt8]]

    /// How one input of a batch ended, as a worker process reports it: the encoded output,
    /// or the error and whether a retry could help.
    struct ItemOutcome: Codable, Sendable {
        var output: [UInt8]?
        var error: String?
        /// Empty when retryable; else why the failure is final (`unknown_function`,
        /// `mismatched_types`).
        var final: String
    }

    /// The pool function every distributed worker registers: it runs a batch's inputs
    /// through the registered function of the batch's name, in the worker process.
    static let runner = PoolFunction<DistributedBatch, [ItemOutcome]>("weave.distributed.batch") { batch in
        batch.inputs.map { input in
            do {
                guard let output = try Multiprocessing.callRegisteredFunction(named: batch.function, encodedInput: input)
                else {
                    return ItemOutcome(
                        output: nil, error: "no function named \(batch.function) is registered in the worker", final: "unknown_function")
                }
                return ItemOutcome(output: output, error: nil, final: "")
            } catch let mismatch as RegisteredInputMismatch {
                return ItemOutcome(output: nil, error: mismatch.message, final: "mismatched_types")
            } catch {
                return ItemOutcome(output: nil, error: "\(String(reflecting: type(of: error))): \(error)", final: "")
            }
        }
    }
}
