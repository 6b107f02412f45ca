import Synchronization

/// A value with a separate copy in each OS thread — Python's `threading.local`.
///
/// A thread's first read makes its copy with the default factory; setting `value` changes
/// only the calling thread's copy. A thread's copies are released when it ends (an
/// ``OSThread`` releases them before `join` returns), and every copy is released when the
/// ``ThreadLocal`` itself goes away.
///
/// Any thread may use it; each sees its own copy, so `Value` need not be `Sendable`.
///
/// ```swift
/// let connection = ThreadLocal(default: Connection())
/// connection.value.send(request)  // each thread opens and uses its own
/// ```
public final class ThreadLocal<Value>: @unchecked Sendable {
    private struct WeakThread {
        weak var thread: AnyOSThread?
    }

    private let key = threadLocalKeys.wrappingAdd(1, ordering: .relaxed).newValue
    private let makeDefault: @Sendable () -> Value
    /// The threads holding a copy, so that `deinit` can release them.
    private let holders = Mutex<[ObjectIdentifier: WeakThread]>([:])

    /// Creates a thread-local value whose copy in each thread starts as `default()`,
    /// evaluated on that thread at its first read.
    public init(default makeDefault: @escaping @autoclosure @Sendable () -> Value) {
        self.makeDefault = makeDefault
    }

    deinit {
        let threads = holders.withLock { holders in holders.values.compactMap(\.thread) }
        let key = self.key
        for thread in threads {
            _ = thread.locals.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// The calling thread's copy.
    public var value: Value {
        get {
            let thread = ThreadRegistry.shared.current()
            if let slot = thread.locals.withLock({ $0[key] }) {
                return slot.value as! Value
            }
            let initial = makeDefault()
            store(initial, in: thread)
            return initial
        }
        set {
            store(newValue, in: ThreadRegistry.shared.current())
        }
    }

    private func store(_ value: Value, in thread: AnyOSThread) {
        let slot = ThreadLocalSlot(value)
        let replaced = thread.locals.withLock { $0.updateValue(slot, forKey: key) }
        if replaced == nil {
            holders.withLock { holders in
                holders = holders.filter { $0.value.thread != nil }
                holders[ObjectIdentifier(thread)] = WeakThread(thread: thread)
            }
        }
    }
}

/// The source of keys that tell ``ThreadLocal``s apart in a thread's storage.
private let threadLocalKeys = Atomic<UInt64>(0)
