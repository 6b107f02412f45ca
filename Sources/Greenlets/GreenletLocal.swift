import Atomics

/// A value with a separate copy in each greenlet — the greenlet counterpart of
/// `threading.local`.
///
/// Each greenlet starts with the default; setting `value` changes only the running
/// greenlet's copy. A finished greenlet's values are released.
///
/// ```swift
/// let requestID = GreenletLocal(default: 0)
/// requestID.value = 42   // only the running greenlet sees 42
/// ```
public final class GreenletLocal<Value> {
    private let key: Int
    private let makeDefault: () -> Value

    /// Creates a greenlet-local value whose copy in each greenlet starts as `default()`.
    public init(default makeDefault: @escaping @autoclosure () -> Value) {
        self.key = greenletLocalKeys.loadThenWrappingIncrement(ordering: .relaxed)
        self.makeDefault = makeDefault
    }

    /// The running greenlet's copy.
    public var value: Value {
        get {
            let core = GreenletThread.current.currentCore
            if let stored = core.locals?[key] { return stored as! Value }
            return makeDefault()
        }
        set {
            GreenletThread.withCurrentCore { core in
                var values = core.locals.take() ?? [:]
                values[key] = newValue
                core.locals = values
            }
        }
    }
}

private let greenletLocalKeys = ManagedAtomic<Int>(0)
