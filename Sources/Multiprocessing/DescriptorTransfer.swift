/// The descriptors that cross into a spawned child beside its encoded arguments: how a
/// queue, a lock, a shared value or a pipe end made in the parent reaches a child that
/// starts afresh (CPython's `reduction.DupFd` for its spawn start method).
///
/// Encoding a shared object while a transfer is ``current`` records the descriptor behind
/// it and writes the descriptor's index in the transfer instead. The spawn launcher hands
/// the recorded descriptors to the child (at the same numbers) and lists them in the
/// start-up message; the child decodes its arguments with a receiving transfer that maps
/// each shared region once, however many objects refer to it, and closes what no object
/// claimed.
///
/// A transfer belongs to the one thread that encodes or decodes with it.
final class DescriptorTransfer: @unchecked Sendable {
    /// The transfer that shared objects encode into or decode from; nil outside the spawn
    /// launcher and the child's bootstrap.
    @TaskLocal static var current: DescriptorTransfer?

    /// The descriptors, in index order.
    private(set) var descriptors: [Int32]
    /// Regions mapped from received descriptors, by index.
    private var regions: [Int: SharedRegion] = [:]
    /// Received indexes some object took for itself.
    private var claimed: Set<Int> = []

    /// A transfer that records descriptors while arguments are encoded.
    init() {
        descriptors = []
    }

    /// A transfer holding the descriptors a spawned child received.
    init(received: [Int32]) {
        descriptors = received
    }

    // MARK: Sending

    /// Records `descriptor` (once, however often it is attached) and returns its index.
    func attach(_ descriptor: Int32) -> Int {
        if let index = descriptors.firstIndex(of: descriptor) { return index }
        descriptors.append(descriptor)
        return descriptors.count - 1
    }

    /// The transfer to encode `value` into.
    /// - Throws: `EncodingError.invalidValue` outside a spawn launch: a shared object has
    ///   no meaning as bytes alone.
    static func sending<Value>(_ value: Value, codingPath: [any CodingKey]) throws -> DescriptorTransfer {
        guard let current else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: codingPath,
                debugDescription: "\(Value.self) can be encoded only as an argument of a spawned ChildProcess (a forked child shares it as it is)"))
        }
        return current
    }

    // MARK: Receiving

    /// The transfer to decode a shared object from.
    /// - Throws: `DecodingError.dataCorrupted` outside a spawned child's bootstrap.
    static func receiving(_ type: Any.Type, codingPath: [any CodingKey]) throws -> DescriptorTransfer {
        guard let current else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath,
                debugDescription: "\(type) can be decoded only from a spawned ChildProcess's arguments"))
        }
        return current
    }

    /// The shared region behind the descriptor at `index`, mapped on first use.
    /// - Throws: `DecodingError.dataCorrupted` for an index out of range or a descriptor
    ///   an object already took as a connection; `.systemCallFailed` when it cannot be
    ///   mapped.
    func region(at index: Int, codingPath: [any CodingKey]) throws -> SharedRegion {
        if let region = regions[index] { return region }
        let descriptor = try claim(index, codingPath: codingPath)
        let region = try SharedRegion(adopting: descriptor)
        regions[index] = region
        return region
    }

    /// Takes the descriptor at `index` for an object that owns it from now on.
    /// - Throws: `DecodingError.dataCorrupted` for an index out of range or taken already.
    func claim(_ index: Int, codingPath: [any CodingKey]) throws -> Int32 {
        guard descriptors.indices.contains(index), !claimed.contains(index) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath,
                debugDescription: "descriptor index \(index) is not one the parent passed (it passed \(descriptors.count)), or is taken already"))
        }
        claimed.insert(index)
        return descriptors[index]
    }

    /// Closes the received descriptors that no decoded object took, so that none stays
    /// open in the child by accident.
    func closeUnclaimed() {
        for index in descriptors.indices where !claimed.contains(index) {
            Syscalls.closeDescriptor(descriptors[index])
            claimed.insert(index)
        }
    }
}
