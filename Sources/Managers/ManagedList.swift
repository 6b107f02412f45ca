/// A proxy for a list that lives in a manager process (Python's `Manager().list()`).
///
/// Each call is one round trip and one atomic operation on the manager; an index checked
/// on the manager cannot go stale in between. Any thread may use it; from a greenlet, a
/// call suspends only that greenlet.
public struct ManagedList<Element: Codable>: Sendable {
    let core: ProxyCore

    private func index(_ index: Int) throws -> [UInt8] {
        guard index >= 0 else { throw ManagerError(.indexOutOfRange, context: "negative index \(index)") }
        return WireValue.word(UInt64(index))
    }

    /// Appends `element` (Python's `l.append(x)`).
    public func append(_ element: Element) throws {
        _ = try core.perform(.listAppend, [ProxyCore.encode(element)])
    }

    /// Appends all of `elements` in one atomic step (Python's `l.extend(xs)`).
    public func append(contentsOf elements: some Sequence<Element>) throws {
        var encoded: [[UInt8]] = []
        for element in elements { encoded.append(try ProxyCore.encode(element)) }
        _ = try core.perform(.listAppend, encoded)
    }

    /// The element at `position` (Python's `l[i]`, for i ≥ 0).
    /// - Throws: ``ManagerError`` `.indexOutOfRange`.
    public subscript(position: Int) -> Element {
        get throws {
            try ProxyCore.decode(Element.self, ProxyCore.value(core.perform(.listGet, [index(position)]), 0))
        }
    }

    /// Replaces the element at `position` (Python's `l[i] = x`).
    /// - Throws: ``ManagerError`` `.indexOutOfRange`.
    public func set(_ position: Int, to element: Element) throws {
        _ = try core.perform(.listSet, [index(position), ProxyCore.encode(element)])
    }

    /// Inserts `element` before `position`; `position` may be the count (Python's
    /// `l.insert(i, x)`).
    public func insert(_ element: Element, at position: Int) throws {
        _ = try core.perform(.listInsert, [index(position), ProxyCore.encode(element)])
    }

    /// Removes and returns the element at `position` (Python's `l.pop(i)`).
    @discardableResult
    public func remove(at position: Int) throws -> Element {
        try ProxyCore.decode(Element.self, ProxyCore.value(core.perform(.listRemove, [index(position)]), 0))
    }

    /// The number of elements (Python's `len(l)`).
    public func count() throws -> Int {
        try core.count(.listCount)
    }

    /// A copy of the whole list, taken atomically (Python's `l[:]`).
    public func snapshot() throws -> [Element] {
        try core.perform(.listItems).values.map { try ProxyCore.decode(Element.self, $0) }
    }

    /// Removes every element (Python's `l.clear()`).
    public func removeAll() throws {
        _ = try core.perform(.listClear)
    }
}
