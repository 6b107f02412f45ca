// Locks, semaphores, events, conditions and barriers cross into spawned children as
// arguments (Python passes them to `Process(args=...)` under every start method). Each
// encodes the descriptors of its shared memory (see `DescriptorTransfer`), so it can be
// encoded only as an argument of a spawned `ChildProcess` and decoded only there; a forked
// child uses the parent's objects as they are.

extension SharedMonitor: Codable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(region.transferIndex(codingPath: encoder.codingPath))
    }

    convenience init(from decoder: any Decoder) throws {
        let index = try decoder.singleValueContainer().decode(Int.self)
        let region = try SharedRegion.received(at: index, codingPath: decoder.codingPath)
        guard region.size >= Self.regionSize else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "the shared memory passed for a lock is \(region.size) bytes, not \(Self.regionSize)"))
        }
        self.init(attachingTo: region)
    }
}

extension ProcessLock: Codable {
    /// Encodes the lock for a spawned child, where it decodes as the same lock.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try monitor.encode(to: encoder)
    }

    /// The lock a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(monitor: try SharedMonitor(from: decoder))
    }
}

extension ProcessRLock: Codable {
    /// Encodes the lock for a spawned child, where it decodes as the same lock.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try monitor.encode(to: encoder)
    }

    /// The lock a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(monitor: try SharedMonitor(from: decoder))
    }
}

extension ProcessSemaphore: Codable {
    /// Encodes the semaphore for a spawned child, where it decodes as the same semaphore.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try monitor.encode(to: encoder)
    }

    /// The semaphore a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(monitor: try SharedMonitor(from: decoder))
    }
}

extension ProcessBoundedSemaphore: Codable {
    /// Encodes the semaphore for a spawned child, where it decodes as the same semaphore.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try semaphore.encode(to: encoder)
    }

    /// The semaphore a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(semaphore: try ProcessSemaphore(from: decoder))
    }
}

extension ProcessEvent: Codable {
    /// Encodes the event for a spawned child, where it decodes as the same event.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        try monitor.encode(to: encoder)
    }

    /// The event a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        self.init(monitor: try SharedMonitor(from: decoder))
    }
}

extension ProcessCondition: Codable {
    private enum CodingKeys: String, CodingKey {
        case lock, signals
    }

    /// Encodes the condition and its lock for a spawned child, where they decode as the
    /// same condition and lock.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lock, forKey: .lock)
        try container.encode(signals, forKey: .signals)
    }

    /// The condition a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            lock: try container.decode(ProcessRLock.self, forKey: .lock),
            signals: try container.decode(SharedMonitor.self, forKey: .signals))
    }
}

extension ProcessBarrier: Codable {
    private enum CodingKeys: String, CodingKey {
        case monitor, parties
    }

    /// Encodes the barrier for a spawned child, where it decodes as the same barrier.
    /// - Throws: `EncodingError.invalidValue` anywhere but in a spawned child's arguments.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(monitor, forKey: .monitor)
        try container.encode(parties, forKey: .parties)
    }

    /// The barrier a spawned child's parent passed.
    /// - Throws: `DecodingError` anywhere but in a spawned child's arguments.
    public convenience init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let parties = try container.decode(Int.self, forKey: .parties)
        guard parties >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .parties, in: container, debugDescription: "a barrier needs at least 1 party, got \(parties)")
        }
        self.init(monitor: try container.decode(SharedMonitor.self, forKey: .monitor), parties: parties)
    }
}
