import Atomics
import CWeaveContext

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The greenlet runtime of one thread: its main greenlet, the running greenlet, the value
/// crossing the current switch, its stack pool and its tracer.
///
/// Created on a thread's first greenlet call and released when the thread exits. Only its
/// own thread touches it, except `scheduleKill(_:)`.
final class GreenletThread {
    /// The fields every switch touches, in raw memory so that no Swift access is held
    /// across a switch and no exclusivity bookkeeping slows it down.
    struct Hot {
        /// The running greenlet. Not retained: a running greenlet's core is kept alive by
        /// its own entry frame (the main greenlet's by `mainCore`).
        unowned(unsafe) var current: GreenletCore
        /// What crosses the switch in flight; initialised only between the two sides.
        let transfer: UnsafeMutablePointer<Transfer>
        /// A greenlet that just finished; the side it switched to gives its stack back.
        var retiring: GreenletCore?
        /// Whether a tracer is installed.
        var isTracing = false
        /// Set by other threads when a greenlet of this thread lost its last handle there.
        let hasPendingKills: UnsafeAtomic<Bool>
        /// How many stacks the pool holds.
        var stackPoolCount = 0
    }

    let hot: UnsafeMutablePointer<Hot>
    private(set) var mainCore: GreenletCore!
    private(set) var mainHandle: Greenlet!
    /// What a higher layer keeps per thread (the hub).
    var attachment: AnyObject?
    var tracer: ((GreenletTraceEvent) -> Void)? {
        didSet { hot.pointee.isTracing = tracer != nil }
    }
    /// Freed stacks kept for reuse: `stackPoolCount` of `stackPoolLimit` slots, in raw
    /// memory so that taking and giving back a stack costs no exclusivity bookkeeping.
    private let stackPool: UnsafeMutablePointer<weave_stack>
    private var stackPoolCount: Int {
        get { hot.pointee.stackPoolCount }
        set { hot.pointee.stackPoolCount = newValue }
    }
    private var shared: UnsafeMutablePointer<weave_shared_stack>?
    private var pendingKills: [GreenletCore] = []
    private let pendingKillsLock: UnsafeMutablePointer<pthread_mutex_t>

    private init() {
        hot = .allocate(capacity: 1)
        stackPool = .allocate(capacity: Self.stackPoolLimit)
        pendingKillsLock = .allocate(capacity: 1)
        pthread_mutex_init(pendingKillsLock, nil)
        // Every stored property has a value now, so the main core may refer to `self`.
        let mainCore = GreenletCore(mainOf: self)
        self.mainCore = mainCore
        hot.initialize(
            to: Hot(
                current: mainCore,
                transfer: .allocate(capacity: 1),
                hasPendingKills: .create(false)))
        mainHandle = Greenlet(core: mainCore)
        mainCore.handle = Unmanaged.passUnretained(mainHandle)
        _ = weave_overflow_reporter_install_for_thread()
    }

    /// The calling thread's runtime, created on first use.
    @inline(__always)
    static var current: GreenletThread {
        if let raw = weave_thread_state_get() {
            return Unmanaged<GreenletThread>.fromOpaque(raw).takeUnretainedValue()
        }
        return makeForCallingThread()
    }

    /// The calling thread's runtime if it has one.
    static var currentIfCreated: GreenletThread? {
        weave_thread_state_get().map { Unmanaged<GreenletThread>.fromOpaque($0).takeUnretainedValue() }
    }

    @inline(never)
    private static func makeForCallingThread() -> GreenletThread {
        let thread = GreenletThread()
        weave_thread_state_set(Unmanaged.passRetained(thread).toOpaque(), greenletThreadExit)
        return thread
    }

    var currentCore: GreenletCore { hot.pointee.current }

    /// Finishes the resumption of a greenlet: gives a finished greenlet's stack back and
    /// takes the transfer addressed to the resumed one.
    func takeTransferAfterResuming() throws -> Any? {
        try Self.takeTransferAfterResuming(hot)
    }

    @inline(__always)
    static func takeTransferAfterResuming(_ hot: UnsafeMutablePointer<Hot>) throws -> Any? {
        if let finished = hot.pointee.retiring {
            hot.pointee.retiring = nil
            finished.releaseStack(recycle: true)
        }
        switch hot.pointee.transfer.move() {
        case .empty: return nil
        case .value(let value): return value
        case .error(let error): throw error
        }
    }

    /// `takeTransferAfterResuming` for a resumer that wants no value: only an error counts.
    @inline(__always)
    static func takeErrorAfterResuming(_ hot: UnsafeMutablePointer<Hot>) throws {
        if let finished = hot.pointee.retiring {
            hot.pointee.retiring = nil
            finished.releaseStack(recycle: true)
        }
        if case .error(let error) = hot.pointee.transfer.move() {
            throw error
        }
    }

    // MARK: Stacks

    /// How many freed default-size stacks a thread keeps for reuse.
    static let stackPoolLimit = 64

    func takeStack(usableBytes: Int) throws -> weave_stack {
        let wanted = Self.roundedToPages(usableBytes)
        let count = stackPoolCount
        if count > 0 {
            let last = stackPool[count - 1]
            if last.mapping_size - last.guard_size == wanted {
                stackPoolCount = count - 1
                return last
            }
        }
        var stack = weave_stack()
        let failure = weave_stack_map(wanted, Greenlet.guardSize, &stack)
        guard failure == 0 else {
            throw GreenletError(
                .stackUnavailable,
                "could not map a \(wanted)-byte greenlet stack (errno \(failure)); "
                    + Self.mappingAdvice)
        }
        return stack
    }

    func recycleStack(_ stack: weave_stack) {
        var stack = stack
        let usable = stack.mapping_size - stack.guard_size
        let count = stackPoolCount
        if count < Self.stackPoolLimit && usable == Self.roundedToPages(Greenlet.defaultStackSize) {
            stackPool[count] = stack
            stackPoolCount = count + 1
        } else {
            weave_stack_unmap(&stack)
        }
    }

    func sharedStack() throws -> UnsafeMutablePointer<weave_shared_stack> {
        if let shared { return shared }
        let fresh = UnsafeMutablePointer<weave_shared_stack>.allocate(capacity: 1)
        fresh.initialize(to: weave_shared_stack())
        let failure = weave_shared_stack_create(Greenlet.compactStackSize, fresh)
        guard failure == 0 else {
            fresh.deallocate()
            throw GreenletError(
                .stackUnavailable,
                "could not map the thread's shared stack for compact greenlets (errno \(failure))")
        }
        shared = fresh
        return fresh
    }

    private static func roundedToPages(_ bytes: Int) -> Int {
        let page = weave_page_size()
        return (max(bytes, 1) + page - 1) / page * page
    }

    private static var mappingAdvice: String {
        weave_stack_guards_split_mappings() != 0
            ? "this kernel's guard pages cost one mapping each, so vm.max_map_count bounds the live greenlets: "
                + "raise it (sysctl vm.max_map_count=2500000) or use StackMode.compact"
            : "the system is out of memory or address space"
    }

    // MARK: Kills from other threads

    /// Queues a suspended greenlet whose last handle went away on another thread; this
    /// thread kills it at its next switch.
    func scheduleKill(_ core: GreenletCore) {
        pthread_mutex_lock(pendingKillsLock)
        pendingKills.append(core)
        hot.pointee.hasPendingKills.store(true, ordering: .releasing)
        pthread_mutex_unlock(pendingKillsLock)
    }

    func killPendingGreenlets() {
        pthread_mutex_lock(pendingKillsLock)
        let cores = pendingKills
        pendingKills.removeAll()
        hot.pointee.hasPendingKills.store(false, ordering: .relaxed)
        pthread_mutex_unlock(pendingKillsLock)
        for core in cores where core.handle == nil {
            core.kill()
        }
    }

    func reportIgnored(_ error: any Error, whileKilling core: GreenletCore) {
        let line = "Weave: \(core.handleDescription) threw \(error) while being killed because its last reference went away; the error is ignored\n"
        var bytes = Array(line.utf8)
        _ = write(2, &bytes, bytes.count)
    }

    // MARK: Thread exit

    fileprivate func tearDown() {
        for index in 0..<stackPoolCount {
            weave_stack_unmap(stackPool + index)
        }
        stackPoolCount = 0
        stackPool.deallocate()
        if let shared {
            weave_shared_stack_destroy(shared)
            shared.deallocate()
            self.shared = nil
        }
        tracer = nil
        attachment = nil
        mainHandle = nil
        mainCore = nil
        weave_overflow_reporter_remove_for_thread()
    }
}

private let greenletThreadExit: @convention(c) (UnsafeMutableRawPointer?) -> Void = { raw in
    guard let raw else { return }
    let thread = Unmanaged<GreenletThread>.fromOpaque(raw).takeRetainedValue()
    thread.tearDown()
}
