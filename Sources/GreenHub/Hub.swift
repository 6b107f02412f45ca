import CWeaveContext
import CWeaveProcess
import DequeModule
import Greenlets
import HeapModule
import NIOCore
import NIOPosix

/// One thread's scheduler — gevent's hub: a greenlet that runs a SwiftNIO event loop on
/// the thread, and switches to the greenlets whose waits end.
///
/// A greenlet that blocks (sleep, a lock, a queue, a socket) parks and gives control to the
/// next ready greenlet, or to the hub when none is ready; the hub switches back when a timer,
/// an I/O event or a wake-up fires. The thread's main greenlet blocks the same way, so plain
/// code in `main` can spawn green threads and join them.
///
/// Each thread gets its hub on first use (``Hub/current``). A hub and everything green on it
/// belong to that thread; other threads reach it through a ``HubRemote``.
public final class Hub {
    /// The event loop the hub runs; channels and timers of this thread's green code use it.
    public private(set) var eventLoop: (any EventLoop)!
    let hubGreenlet: Greenlet
    /// What the hub keeps for its own greenlet and the thread's main greenlet (made once
    /// the hub exists).
    @exclusivity(unchecked) private(set) var hubRecord: AnyGreenThread!
    @exclusivity(unchecked) private(set) var mainRecord: AnyGreenThread!
    let threadToken: UnsafeMutableRawPointer

    /// The scheduler's hot state, in raw memory so that queueing and dequeueing a greenlet
    /// costs no exclusivity bookkeeping.
    struct Scheduling {
        /// Greenlets to run, in order. Not retained: a record lives as long as its
        /// greenlet, and one that goes away while queued takes itself out.
        var ready = Deque<Unmanaged<AnyGreenThread>>()
        /// Whether `runReady()` is queued on the event loop.
        var drainScheduled = false
        /// Direct greenlet-to-greenlet switches left before the event loop must run again.
        var budget = Hub.batchSize
    }

    let scheduling: UnsafeMutablePointer<Scheduling>
    static let batchSize = 256

    // Hub state is touched on the hub's thread only, never across a switch: no dynamic
    // exclusivity checks.
    @exclusivity(unchecked) var timers = Heap<HubTimer.Slot>()
    @exclusivity(unchecked) var activeTimers = 0
    @exclusivity(unchecked) var timerSequence: UInt64 = 0
    @exclusivity(unchecked) var armedDeadline: UInt64 = .max
    @exclusivity(unchecked) var armedCallback: NIOScheduledCallback?

    /// Work that another thread or the event loop will finish and that may wake a greenlet:
    /// async operations, blocking calls on the thread pool, futures, open sockets.
    @exclusivity(unchecked) var externalWork = 0
    /// ``HubRemote``s alive: other threads that may submit work at any time.
    @exclusivity(unchecked) var remoteCount = 0
    /// The waits in progress, newest first (for the deadlock report).
    @exclusivity(unchecked) var waitingHead: Unmanaged<Waiter>?
    @exclusivity(unchecked) var scopeSequence: UInt64 = 0
    @exclusivity(unchecked) var nameSequence = 0
    @exclusivity(unchecked) var monitor: BlockingMonitor?
    /// Green threads made on this hub, and those that finished: their difference is the
    /// number alive, for the hub's metrics.
    @exclusivity(unchecked) var greenThreadsSpawned: UInt64 = 0
    @exclusivity(unchecked) var greenThreadsFinished: UInt64 = 0
    /// Switches to ready greenlets in the batches before the current one (the current
    /// batch's are `batchSize - budget`), for the hub's metrics.
    @exclusivity(unchecked) var switchesBeforeBatch: UInt64 = 0
    /// This hub's number in the process (1 for the first hub), its `hub` dimension in
    /// swift-metrics.
    public let number: Int

    private init() {
        number = Hub.numbers.wrappingAdd(1, ordering: .relaxed).newValue
        scheduling = .allocate(capacity: 1)
        scheduling.initialize(to: Scheduling())
        let main = Greenlet.main
        let bootstrap = HubBootstrap()
        // The hub's parent is the main greenlet: if the loop ever stops, control goes there.
        let greenlet = try! Greenlet(parent: main, name: "hub") { _ in
            MultiThreadedEventLoopGroup.withCurrentThreadAsEventLoop { loop in
                bootstrap.loop = loop
                // Back to the thread that made the hub; the loop runs when it next blocks.
                try? bootstrap.creator?.switchHandingNothing()
            }
            return nil
        }
        hubGreenlet = greenlet
        // Lets C code (CWeavePatch's libc hooks) tell the hub from the greenlets it runs.
        weave_set_hub_context(greenlet.contextPointer)
        threadToken = Greenlet.threadIdentity!
        monitor = BlockingMonitor.fromEnvironment()
        // A child forked from this thread must not run this loop: its descriptors would
        // be shared with this process. The fork start method gives such a child a thread
        // of its own.
        weave_process_mark_thread_unforkable()
        mainRecord = AnyGreenThread(adopting: main, hub: self, name: "main")
        hubRecord = AnyGreenThread(adopting: greenlet, hub: self, name: "hub")
        bootstrap.creator = Greenlet.current
        try? greenlet.switchHandingNothing()
        eventLoop = bootstrap.loop
        monitor?.start()
        startReportingMetrics()
    }

    /// The calling thread's hub, created (with its event loop) on first use.
    public static var current: Hub {
        if let hub = Greenlet.threadAttachment { return unsafeDowncast(hub, to: Hub.self) }
        let hub = Hub()
        Greenlet.threadAttachment = hub
        return hub
    }

    /// Runs `body` with the calling thread's hub (created on first use), unretained: a
    /// hub lives as long as its thread.
    @usableFromInline @inline(__always)
    package static func withCurrent<Result>(_ body: (Hub) throws -> Result) rethrows -> Result {
        if let token = Greenlet.threadAttachmentToken {
            return try Unmanaged<Hub>.fromOpaque(token)._withUnsafeGuaranteedRef(body)
        }
        return try body(current)
    }

    /// The running greenlet's hub state (its green thread, or one adopted on its first wait).
    var runningRecord: AnyGreenThread {
        if let record = Greenlet.currentAttachment {
            return unsafeDowncast(record, to: AnyGreenThread.self)
        }
        return makeRunningRecord()
    }

    /// Runs `body` with the running greenlet's record (made on its first wait),
    /// unretained: the greenlet keeps its record while it runs.
    @inline(__always)
    func withRunningRecord<Result>(_ body: (AnyGreenThread) throws -> Result) rethrows -> Result {
        if let token = Greenlet.currentAttachmentToken {
            return try Unmanaged<AnyGreenThread>.fromOpaque(token)._withUnsafeGuaranteedRef(body)
        }
        return try body(makeRunningRecord())
    }

    @inline(never)
    private func makeRunningRecord() -> AnyGreenThread {
        let greenlet = Greenlet.current
        nameSequence += 1
        return AnyGreenThread(adopting: greenlet, hub: self, name: greenlet.name ?? "greenlet-\(nameSequence)")
    }

    /// Throws `HubError.wrongThread` unless called on this hub's thread.
    @usableFromInline
    func checkThread() throws {
        guard Greenlet.threadIdentity == threadToken else {
            throw HubError(
                .wrongThread,
                "this hub belongs to another thread; submit the work to it through a HubRemote")
        }
    }
}

/// Carries the event loop out of the hub greenlet's first run.
private final class HubBootstrap {
    var loop: (any EventLoop)?
    var creator: Greenlet?
}
