// Shared values and arrays cross into spawned children as arguments (Python passes a
// `Value` or an `Array` to `Process(args=...)` under every start method). They encode the
// descriptors of their shared memory (see `DescriptorTransfer`), so they can be encoded
// only as an argument of a spawned `ChildProcess` and decoded only there; a forked child
// uses the parent's objects as they are.

/// The keys of a shared value's or array's encoding.
private enum SharedElementsKey: String, CodingKey {
    case region, lock, count, stride
}

/// Encodes what a shared value or array is made of. The element's stride travels too, so
/// that a child decoding the memory as another type of another size gets an error.
private func encodeSharedElements(
    region: SharedRegion, count: Int, stride: Int, lock: ProcessLock?, to encoder: any Encoder
) throws {
    var container = encoder.container(keyedBy: SharedElementsKey.self)
    try container.encode(region.transferIndex(codingPath: encoder.codingPath), forKey: .region)
    try container.encode(count, forKey: .count)
    try container.encode(stride, forKey: .stride)
    try container.encodeIfPresent(lock, forKey: .lock)
}

/// Decodes what `encodeSharedElements` wrote, checking that the memory holds `count`
/// elements of `stride` bytes.
private func decodeSharedElements(
    stride: Int, from decoder: any Decoder
) throws -> (region: SharedRegion, count: Int, lock: ProcessLock?) {
    let container = try decoder.container(keyedBy: SharedElementsKey.self)
    let count = try container.decode(Int.self, forKey: .count)
    let sentStride = try container.decode(Int.self, forKey: .stride)
    guard sentStride == stride else {
        throw DecodingError.dataCorruptedError(
            forKey: .stride, in: container,
            debugDescription: "the parent shared elements of \(sentStride) bytes, and this type's are \(stride): decode the type the parent encoded")
    }
    let region = try SharedRegion.received(at: container.decode(Int.self, forKey: .region), codingPath: container.codingPath)
    guard count >= 0, count <= region.size / max(1, stride) else {
        throw DecodingError.dataCorruptedError(
            forKey: .count, in: container,
            debugDescription: "\(count) elements of \(stride) bytes do not fit the \(region.size) bytes passed")
    }
    return (region, count, try container.decodeIfPresent(ProcessLock.self, forKey: .lock))
}

extension SharedValue: Codable {
    /// Encodes the value (and its lock) for a spawned child, where it decodes as the same
    /// shared memory.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try encodeSharedElements(region: region, count: 1, stride: MemoryLayout<Value>.stride, lock: lock, to: encoder)
    }

    /// The shared value a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments, or when the
    ///   parent shared a value of another size.
    public convenience init(from decoder: any Decoder) throws {
        let parts = try decodeSharedElements(stride: MemoryLayout<Value>.stride, from: decoder)
        self.init(region: parts.region, lock: parts.lock)
    }
}

extension SharedArray: Codable {
    /// Encodes the array (and its lock) for a spawned child, where it decodes as the same
    /// shared memory.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try encodeSharedElements(region: region, count: count, stride: MemoryLayout<Element>.stride, lock: lock, to: encoder)
    }

    /// The shared array a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments, or when the
    ///   parent shared elements of another size.
    public convenience init(from decoder: any Decoder) throws {
        let parts = try decodeSharedElements(stride: MemoryLayout<Element>.stride, from: decoder)
        self.init(region: parts.region, count: parts.count, lock: parts.lock)
    }
}
