/// The start-up message a spawning parent writes to its child, which reads it in
/// `Multiprocessing.bootstrapIfChild()`.
///
/// Its wire format is written by hand rather than through `Codable`: the child decodes it
/// in a fresh process, where the first generic dictionary or keyed container would make
/// the runtime build metadata and scan every protocol conformance of the program, on the
/// critical path of every spawn. Strings and byte arrays are a 4-byte little-endian length
/// and their bytes; the flag is one byte; the pid is 4 bytes little-endian; the
/// descriptors are a 4-byte count and 4 bytes each.
struct SpawnStartup {
    var entryPoint: String
    var name: String
    var isDaemon: Bool
    var parentName: String
    var parentPid: Int32
    var arguments: [UInt8]
    /// The descriptors the child inherits for the shared objects among its arguments, in
    /// `DescriptorTransfer` index order.
    var descriptors: [Int32]

    /// The message's bytes.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + entryPoint.utf8.count + name.utf8.count + parentName.utf8.count + arguments.count)
        Self.append(Array(entryPoint.utf8), to: &bytes)
        Self.append(Array(name.utf8), to: &bytes)
        bytes.append(isDaemon ? 1 : 0)
        Self.append(Array(parentName.utf8), to: &bytes)
        Self.append(UInt32(bitPattern: parentPid), to: &bytes)
        Self.append(arguments, to: &bytes)
        Self.append(UInt32(descriptors.count), to: &bytes)
        for descriptor in descriptors { Self.append(UInt32(bitPattern: descriptor), to: &bytes) }
        return bytes
    }

    /// Decodes a message written by `encoded()`.
    /// - Throws: `.invalidArgument` for a truncated message or one with trailing bytes.
    init(decoding bytes: [UInt8]) throws {
        var reader = Reader(bytes: bytes)
        entryPoint = String(decoding: try reader.block(), as: UTF8.self)
        name = String(decoding: try reader.block(), as: UTF8.self)
        isDaemon = try reader.byte() != 0
        parentName = String(decoding: try reader.block(), as: UTF8.self)
        parentPid = Int32(bitPattern: try reader.word())
        arguments = Array(try reader.block())
        let descriptorCount = Int(try reader.word())
        guard descriptorCount <= (bytes.count - reader.offset) / 4 else { throw Reader.truncated }
        descriptors = try (0..<descriptorCount).map { _ in Int32(bitPattern: try reader.word()) }
        guard reader.offset == bytes.count else {
            throw MultiprocessingError(.invalidArgument, context: "\(bytes.count - reader.offset) trailing bytes in the start-up message")
        }
    }

    init(
        entryPoint: String, name: String, isDaemon: Bool, parentName: String, parentPid: Int32,
        arguments: [UInt8], descriptors: [Int32]
    ) {
        self.entryPoint = entryPoint
        self.name = name
        self.isDaemon = isDaemon
        self.parentName = parentName
        self.parentPid = parentPid
        self.arguments = arguments
        self.descriptors = descriptors
    }

    private static func append(_ word: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
    }

    private static func append(_ block: [UInt8], to bytes: inout [UInt8]) {
        append(UInt32(block.count), to: &bytes)
        bytes.append(contentsOf: block)
    }

    /// Reads the message front to back, checking every length against the bytes left.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw Self.truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func word() throws -> UInt32 {
            guard bytes.count - offset >= 4 else { throw Self.truncated }
            var word: UInt32 = 0
            for index in 0..<4 { word |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
            offset += 4
            return word
        }

        mutating func block() throws -> ArraySlice<UInt8> {
            let count = Int(try word())
            guard bytes.count - offset >= count else { throw Self.truncated }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        static var truncated: MultiprocessingError {
            MultiprocessingError(.invalidArgument, context: "truncated start-up message")
        }
    }
}
