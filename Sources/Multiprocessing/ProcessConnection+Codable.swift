// A pipe end crosses into a spawned child as an argument (Python passes a `Connection` to
// `Process(args=...)` under every start method). It encodes its descriptor (see
// `DescriptorTransfer`), so it can be encoded only as an argument of a spawned
// `ChildProcess` and decoded only there; a forked child uses the parent's connection as it
// is.

extension ProcessConnection: Codable {
    private enum CodingKeys: String, CodingKey {
        case descriptor, readable, writable
    }

    /// Encodes this end for a spawned child, which then holds a copy of it. As after a
    /// fork, close the parent's copy of an end that only the child uses, or the other end
    /// never reads `.endOfStream`.
    /// - Throws: `EncodingError.invalidValue` for a closed end, or anywhere but in a
    ///   spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        guard !isClosed else {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "this connection is closed"))
        }
        let transfer = try DescriptorTransfer.sending(self, codingPath: encoder.codingPath)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transfer.attach(descriptor), forKey: .descriptor)
        try container.encode(isReadable, forKey: .readable)
        try container.encode(isWritable, forKey: .writable)
    }

    /// The pipe end a spawned child's parent passed. The child owns it: each end passed
    /// decodes once.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments, or for an
    ///   end decoded twice.
    public convenience init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let transfer = try DescriptorTransfer.receiving(ProcessConnection.self, codingPath: decoder.codingPath)
        let descriptor = try transfer.claim(container.decode(Int.self, forKey: .descriptor), codingPath: container.codingPath)
        self.init(
            descriptor: descriptor,
            readable: try container.decode(Bool.self, forKey: .readable),
            writable: try container.decode(Bool.self, forKey: .writable))
    }
}
