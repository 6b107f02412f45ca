/// A failed operation on the manager: the reply status and its message.
struct ServedFailure: Error {
    var status: ManagerReplyStatus
    var message: String

    init(_ status: ManagerReplyStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// The manager's objects and the calls parked on them. Only the serving thread touches it,
/// one request at a time, which is what makes every operation atomic.
///
/// A blocking call (a lock acquire, a queue get or put, an event wait) that cannot finish
/// at once is parked: `handle` returns nil, and the reply comes later through `wakeups`,
/// when another call releases, puts, gets or sets, or when the call's deadline passes
/// (`expire`).
final class ServedObjects {
    private var objects: [UInt64: ServedObject] = [:]
    private var names: [String: UInt64] = [:]
    private var nextID: UInt64 = 1
    private var parked: [UInt64: (object: UInt64, deadline: Double?)] = [:]
    private var pendingWakeups: [(connection: UInt64, reply: ManagerReply)] = []
    private let types: [String: ServedTypeEntry]

    init(types: [ServedTypeEntry]) {
        self.types = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Replies to parked calls that became ready, to send now; emptied by the call.
    func takeWakeups() -> [(connection: UInt64, reply: ManagerReply)] {
        defer { pendingWakeups.removeAll(keepingCapacity: true) }
        return pendingWakeups
    }

    /// Answers `request`, or parks it and returns nil.
    func handle(_ request: ManagerRequest, from caller: Caller, now: Double) -> ManagerReply? {
        do {
            switch request.operation {
            case .hello, .ping, .shutdown:
                return ManagerReply()
            case .create:
                return try create(request.arguments)
            case .dictionaryGet, .dictionarySet, .dictionaryRemove, .dictionaryContains, .dictionaryCount,
                .dictionaryItems, .dictionaryCompareAndSet, .dictionaryClear:
                guard case .dictionary(let dictionary, _) = try object(request.object) else { throw mismatch(request, "dictionary") }
                return try handleDictionary(request, dictionary)
            case .listAppend, .listGet, .listSet, .listInsert, .listRemove, .listCount, .listItems, .listClear:
                guard case .list(let list) = try object(request.object) else { throw mismatch(request, "list") }
                return try handleList(request, list)
            case .queuePut, .queueGet, .queueCount:
                guard case .queue(let queue) = try object(request.object) else { throw mismatch(request, "queue") }
                return try handleQueue(request, queue, caller: caller, now: now)
            case .lockAcquire, .lockRelease:
                guard case .lock(let lock) = try object(request.object) else { throw mismatch(request, "lock") }
                return try handleLock(request, lock, caller: caller, now: now)
            case .eventSet, .eventClear, .eventIsSet, .eventWait:
                guard case .event(let event) = try object(request.object) else { throw mismatch(request, "event") }
                return try handleEvent(request, event, caller: caller, now: now)
            case .call:
                return try call(request)
            }
        } catch let failure as ServedFailure {
            return .failure(failure.status, failure.message)
        } catch {
            return .failure(.invalidRequest, "\(error)")
        }
    }

    // MARK: Creating and finding objects

    /// `create` arguments: kind byte, name (empty: a new anonymous object), a parameter word
    /// (a queue's maximum count), a served type's name. Replies with the object's id.
    private func create(_ arguments: [[UInt8]]) throws -> ManagerReply {
        guard arguments.count == 4, arguments[0].count == 1, let kind = ServedKind(rawValue: arguments[0][0]) else {
            throw ServedFailure(.invalidRequest, "a create request needs a kind, a name, a parameter and a type name")
        }
        let name = String(decoding: arguments[1], as: UTF8.self)
        let parameter = try WireValue.word(arguments[2])
        let typeName = String(decoding: arguments[3], as: UTF8.self)
        if !name.isEmpty, let existing = names[name], let object = objects[existing] {
            if object.kind != kind {
                throw ServedFailure(.wrongKind, "'\(name)' is a \(object.kind), not a \(kind)")
            }
            if case .custom(let instance) = object, instance.type.name != typeName {
                throw ServedFailure(.wrongKind, "'\(name)' is a \(instance.type.name), not a \(typeName)")
            }
            return ManagerReply(.ok, [WireValue.word(existing)])
        }
        let object: ServedObject
        switch kind {
        case .dictionary, .namespace: object = .dictionary(ServedDictionary(), kind: kind)
        case .list: object = .list(ServedList())
        case .queue: object = .queue(ServedQueue(maximumCount: Int(clamping: parameter)))
        case .lock: object = .lock(ServedLock())
        case .event: object = .event(ServedEvent())
        case .custom:
            guard let type = types[typeName] else {
                throw ServedFailure(.unknownType, "no served type '\(typeName)' is registered (registered: \(types.keys.sorted()))")
            }
            object = .custom(ServedInstance(type: type))
        }
        let id = nextID
        nextID += 1
        objects[id] = object
        if !name.isEmpty { names[name] = id }
        return ManagerReply(.ok, [WireValue.word(id)])
    }

    private func object(_ id: UInt64) throws -> ServedObject {
        guard let object = objects[id] else { throw ServedFailure(.noSuchObject, "object \(id)") }
        return object
    }

    /// The error for a request made to an object of another kind.
    private func mismatch(_ request: ManagerRequest, _ expected: String) -> ServedFailure {
        let kind = objects[request.object].map { "\($0.kind)" } ?? "missing object"
        return ServedFailure(.wrongKind, "object \(request.object) is a \(kind), not a \(expected)")
    }

    /// `call` arguments: method name, encoded argument. Replies with the encoded result.
    private func call(_ request: ManagerRequest) throws -> ManagerReply {
        guard case .custom(let instance) = try object(request.object) else { throw mismatch(request, "served type") }
        let arguments = try expect(request, 2)
        let name = String(decoding: arguments[0], as: UTF8.self)
        guard let method = instance.type.methods[name] else {
            throw ServedFailure(.unknownMethod, "\(instance.type.name) has no method '\(name)' (it has \(instance.type.methods.keys.sorted()))")
        }
        do {
            return ManagerReply(.ok, [try method(instance.object, arguments[1])])
        } catch {
            throw ServedFailure(.methodFailed, "\(instance.type.name).\(name): \(error)")
        }
    }

    /// The request's arguments, checked to be `count` of them.
    func expect(_ request: ManagerRequest, _ count: Int) throws -> [[UInt8]] {
        guard request.arguments.count == count else {
            throw ServedFailure(.invalidRequest, "\(request.operation) takes \(count) arguments, got \(request.arguments.count)")
        }
        return request.arguments
    }

    // MARK: Parked calls

    /// Parks `caller`'s call on `object` until it is woken or `timeout` seconds pass.
    func park(_ caller: Caller, on object: UInt64, timeout: Double?, now: Double) {
        parked[caller.connection] = (object, timeout.map { now + max(0, $0) })
    }

    /// Sends `reply` to a parked call.
    func wake(_ caller: Caller, _ reply: ManagerReply) {
        parked[caller.connection] = nil
        pendingWakeups.append((caller.connection, reply))
    }

    /// The earliest deadline of a parked call.
    var nextDeadline: Double? {
        parked.values.compactMap(\.deadline).min()
    }

    /// Answers every parked call whose deadline has passed with `.timedOut`.
    func expire(now: Double) {
        let due = parked.filter { $0.value.deadline.map { $0 <= now } ?? false }
        for (connection, entry) in due {
            unpark(connection, from: entry.object)
            parked[connection] = nil
            pendingWakeups.append((connection, ManagerReply(.timedOut)))
        }
    }

    /// Forgets a closed connection's parked call.
    func connectionClosed(_ connection: UInt64) {
        guard let entry = parked.removeValue(forKey: connection) else { return }
        unpark(connection, from: entry.object)
    }

    /// Takes a parked call off its object's waiting list.
    private func unpark(_ connection: UInt64, from id: UInt64) {
        switch objects[id] {
        case .queue(let queue)?:
            queue.getters.removeAll { $0.connection == connection }
            queue.putters.removeAll { $0.caller.connection == connection }
        case .lock(let lock)?:
            lock.waiters.removeAll { $0.connection == connection }
        case .event(let event)?:
            event.waiters.removeAll { $0.connection == connection }
        default:
            break
        }
    }

    /// A client process ended (its last connection closed): the locks it held pass to
    /// their next waiters, who are told the owner died.
    func sessionEnded(_ session: UInt64) {
        for case .lock(let lock) in objects.values where lock.owner == session {
            lock.owner = nil
            lock.ownerDied = true
            grantNext(lock)
        }
    }
}
