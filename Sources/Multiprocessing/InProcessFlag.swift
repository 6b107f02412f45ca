import Atomics

/// A one-way "closed" flag for a handle in this process.
final class InProcessFlag: Sendable {
    private let value = ManagedAtomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }

    var isSet: Bool { value.load(ordering: .acquiring) }

    /// Throws `.queueClosed` once set.
    func check() throws {
        if isSet { throw MultiprocessingError(.queueClosed) }
    }
}
