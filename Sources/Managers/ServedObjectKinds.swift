import DequeModule
import OrderedCollections

/// The kinds of object a manager serves: one byte on the wire in a `create` request.
enum ServedKind: UInt8, CustomStringConvertible {
    case dictionary, list, namespace, queue, lock, event, custom

    var description: String {
        switch self {
        case .dictionary: "dictionary"
        case .list: "list"
        case .namespace: "namespace"
        case .queue: "queue"
        case .lock: "lock"
        case .event: "event"
        case .custom: "served type"
        }
    }
}

/// A connection whose call waits on the manager, and the session (client process) it
/// belongs to.
struct Caller: Hashable {
    var connection: UInt64
    var session: UInt64
}

/// A shared dictionary (and a namespace: a dictionary keyed by attribute names), kept as
/// encoded keys and values in insertion order, as a Python dict keeps them.
final class ServedDictionary {
    var entries: OrderedDictionary<[UInt8], [UInt8]> = [:]
}

/// A shared list of encoded elements.
final class ServedList {
    var elements: [[UInt8]] = []
}

/// A shared FIFO queue of encoded items, with the callers waiting to get and to put.
final class ServedQueue {
    let maximumCount: Int
    var items: Deque<[UInt8]> = []
    var getters: Deque<Caller> = []
    var putters: Deque<(caller: Caller, item: [UInt8])> = []

    init(maximumCount: Int) { self.maximumCount = maximumCount }

    var isFull: Bool { maximumCount > 0 && items.count >= maximumCount }
}

/// A shared lock owned by a session (a client process), with its waiting callers.
final class ServedLock {
    var owner: UInt64?
    /// Set when the owner's process ended holding the lock; the next holder is told.
    var ownerDied = false
    var waiters: Deque<Caller> = []
}

/// A shared event flag with its waiting callers.
final class ServedEvent {
    var isSet = false
    var waiters: [Caller] = []
}

/// An instance of a registered served type.
final class ServedInstance {
    let object: AnyObject
    let type: ServedTypeEntry

    init(type: ServedTypeEntry) {
        self.type = type
        object = type.make()
    }
}

/// One served object.
enum ServedObject {
    case dictionary(ServedDictionary, kind: ServedKind)
    case list(ServedList)
    case queue(ServedQueue)
    case lock(ServedLock)
    case event(ServedEvent)
    case custom(ServedInstance)

    var kind: ServedKind {
        switch self {
        case .dictionary(_, let kind): kind
        case .list: .list
        case .queue: .queue
        case .lock: .lock
        case .event: .event
        case .custom: .custom
        }
    }
}
