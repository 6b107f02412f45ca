/// This process's started, not yet reaped children. It reaps children whose handles are
/// gone, lists the active ones, and finishes them all at exit.
final class ChildRegistry: @unchecked Sendable {
    private struct Entry {
        var isDaemon: Bool
        weak var handle: ChildProcess?
    }

    private let lock = InProcessLock()
    private var entries: [Int32: Entry] = [:]
    private var counter = 0
    private var trackers: Set<Int32> = []

    /// The next default child name, `Process-N`.
    func nextName() -> String {
        lock.withLock {
            counter += 1
            return "Process-\(counter)"
        }
    }

    func add(pid: Int32, isDaemon: Bool, handle: ChildProcess) {
        lock.withLock { entries[pid] = Entry(isDaemon: isDaemon, handle: handle) }
        Multiprocessing.installExitHandler()
    }

    func remove(pid: Int32) {
        lock.withLock { _ = entries.removeValue(forKey: pid) }
    }

    /// Records the shared-memory tracker as a child nobody holds a handle to: reaped like
    /// one, but not waited for at exit (it leaves once this program is gone).
    func adopt(trackerPid pid: Int32) {
        lock.withLock { _ = trackers.insert(pid) }
    }

    /// Keeps a child whose handle went away, to be reaped later.
    func forget(pid: Int32) {
        lock.withLock { entries[pid]?.handle = nil }
    }

    /// Reaps, without blocking, the ended children nobody holds a handle to.
    func reapForgotten() {
        let (orphans, trackerPids) = lock.withLock { (entries.filter { $0.value.handle == nil }.map(\.key), trackers) }
        for pid in orphans where (try? Syscalls.waitForExit(pid, block: false)) != nil {
            remove(pid: pid)
        }
        for pid in trackerPids where (try? Syscalls.waitForExit(pid, block: false)) != nil {
            lock.withLock { _ = trackers.remove(pid) }
        }
    }

    /// The children that still run, reaping those that ended.
    func active() -> [ChildProcess] {
        reapForgotten()
        let handles = lock.withLock { entries.values.compactMap(\.handle) }
        return handles.filter(\.isAlive)
    }

    /// At exit: terminates daemon children, then waits for every child.
    ///
    /// Returns at once when there are none, the common case in a forked child: iterating
    /// the snapshot would make the runtime build its iterator's metadata, which the parent
    /// never needed, again in every child.
    func finishAll() {
        let snapshot = lock.withLock { entries }
        if snapshot.isEmpty { return }
        for (pid, entry) in snapshot where entry.isDaemon {
            _ = try? Syscalls.sendSignal(15, to: pid)
        }
        for (pid, entry) in snapshot {
            if let handle = entry.handle {
                _ = try? handle.join()
            } else {
                _ = try? Syscalls.waitForExit(pid, block: true)
                remove(pid: pid)
            }
        }
    }
}
