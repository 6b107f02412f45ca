// Queues cross into spawned children as arguments (Python passes a `Queue` to
// `Process(args=...)` under every start method). A queue encodes the descriptors of its
// shared memory (see `DescriptorTransfer`), so it can be encoded only as an argument of a
// spawned `ChildProcess` and decoded only there; a forked child uses the parent's queue as
// it is.

extension SharedMessageLog: Codable {
    private enum CodingKeys: String, CodingKey {
        case region, producers, capacity, maximumCount
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(region.transferIndex(codingPath: encoder.codingPath), forKey: .region)
        try container.encode(producers, forKey: .producers)
        try container.encode(Int(capacity), forKey: .capacity)
        try container.encode(Int(maximumCount), forKey: .maximumCount)
    }

    convenience init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let capacity = try container.decode(Int.self, forKey: .capacity)
        let maximumCount = try container.decode(Int.self, forKey: .maximumCount)
        guard Self.isValidCapacity(capacity), maximumCount >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .capacity, in: container,
                debugDescription: "a queue's capacity is a power of two of at least 64 KiB and its bound is 0 or more, not \(capacity) and \(maximumCount)")
        }
        let region = try SharedRegion.received(at: container.decode(Int.self, forKey: .region), codingPath: container.codingPath)
        guard region.size >= Self.headerSize + capacity else {
            throw DecodingError.dataCorruptedError(
                forKey: .region, in: container,
                debugDescription: "the shared memory passed for a queue is \(region.size) bytes, too small for a capacity of \(capacity)")
        }
        self.init(
            region: region, producers: try container.decode(SharedMonitor.self, forKey: .producers),
            capacity: capacity, maximumCount: maximumCount)
    }
}

extension ProcessQueue: Codable {
    /// Encodes the queue for a spawned child, where it decodes as the same queue.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try log.encode(to: encoder)
    }

    /// The queue a spawned child's parent passed, open in the child even if the parent
    /// closed its own handle.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(log: try SharedMessageLog(from: decoder))
    }
}

extension SimpleProcessQueue: Codable {
    /// Encodes the queue for a spawned child, where it decodes as the same queue.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try queue.encode(to: encoder)
    }

    /// The queue a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(queue: try ProcessQueue(from: decoder))
    }
}

extension JoinableProcessQueue: Codable {
    private enum CodingKeys: String, CodingKey {
        case queue, tasks
    }

    /// Encodes the queue and its task count for a spawned child, where they decode as the
    /// same queue.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queue, forKey: .queue)
        try container.encode(tasks, forKey: .tasks)
    }

    /// The queue a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            queue: try container.decode(ProcessQueue<Element>.self, forKey: .queue),
            tasks: try container.decode(SharedMonitor.self, forKey: .tasks))
    }
}
