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
        /// What crosses the switch in flight: which slot below holds it, if any. The slots
        /// are initialised only between the two sides, so handing nothing (or `nil`) over
        /// touches no `Any?` at all.
        var pending = Pending.nothing
        let pendingValue: UnsafeMutablePointer<Any?>
        let pendingError: UnsafeMutablePointer<any Error>
        /// A greenlet that just finished; the side it switched to gives its stack back.
        var retiring: GreenletCore?
        /// Whether a tracer is installed.
        var isTracing = false
        /// Set by other threads when a greenlet of this thread lost its last handle there.
        let hasPendingKills: UnsafeAtomic<Bool>
        /// How many stacks the pool holds.
        var stackPoolCount = 0
    }

    /// Which of `Hot`'s slots holds what crosses the switch in flight.
    enum Pending: UInt8 {
        case nothing, value, error
    }

    let hot: UnsafeMutablePointer<Hot>
    // The fields marked `@exclusivity(unchecked)` belong to the owning thread and no
    // access to them spans a switch: they skip the runtime's dynamic checks.
    @exclusivity(unchecked) private(set) var mainCore: GreenletCore!
    @exclusivity(unchecked) private(set) var mainHandle: Greenlet!
    /// What a higher layer keeps per thread (the hub).
    @exclusivity(unchecked) var attachment: AnyObject? {
        didSet { attachmentToken = attachment.map { Unmanaged.passUnretained($0).toOpaque() } }
    }
    /// `attachment`'s address, for a higher layer's hot paths to use it unretained.
    @exclusivity(unchecked) private(set) var attachmentToken: UnsafeMutableRawPointer?
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
    /// The slabs default-size stacks come from, newest last; and those holding stacks whose
    /// pages went back to the system, in the order they first got one.
    @exclusivity(unchecked) private var slabs: [StackSlab] = []
    @exclusivity(unchecked) private var slabsWithReleased: [StackSlab] = []
    @exclusivity(unchecked) private var shared: UnsafeMutablePointer<weave_shared_stack>?
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
                pendingValue: .allocate(capacity: 1),
                pendingError: .allocate(capacity: 1),
                hasPendingKills: .create(false)))
        mainHandle = Greenlet(core: mainCore)
        mainCore.handle = Unmanaged.passUnretained(mainHandle)
        _ = weave_overflow_reporter_install_for_thread()
    }

    deinit {
        hot.pointee.pendingValue.deallocate()
        hot.pointee.pendingError.deallocate()
        hot.pointee.hasPendingKills.destroy()
        hot.deinitialize(count: 1)
        hot.deallocate()
        pthread_mutex_destroy(pendingKillsLock)
        pendingKillsLock.deallocate()
    }

    /// The calling thread's runtime, created on first use.
    @inline(__always)
    static var current: GreenletThread {
        if let raw = weave_thread_state_get() {
            return Unmanaged<GreenletThread>.fromOpaque(raw).takeUnretainedValue()
        }
        return makeForCallingThread()
    }

    /// Runs `body` with the calling thread's runtime (created on first use) and no
    /// retain or release around it: the runtime lives as long as its thread.
    @inline(__always)
    static func withCurrent<Result>(_ body: (GreenletThread) throws -> Result) rethrows -> Result {
        let raw = weave_thread_state_get() ?? Unmanaged.passUnretained(makeForCallingThread()).toOpaque()
        return try Unmanaged<GreenletThread>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// Runs `body` with the calling thread's running greenlet, with no retain or release
    /// around it: the running greenlet's core lives at least as long as its own frames.
    @inline(__always)
    static func withCurrentCore<Result>(_ body: (GreenletCore) throws -> Result) rethrows -> Result {
        try withCurrent { thread in
            try Unmanaged.passUnretained(thread.hot.pointee.current)._withUnsafeGuaranteedRef(body)
        }
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

    /// Finishes the resumption of a greenlet: gives a finished greenlet's stack back,
    /// throws an error thrown into it, and says whether a value arrived (left in its slot
    /// for `takeArrivedValue(_:)`).
    @inline(__always)
    static func arrivalAfterResuming(_ hot: UnsafeMutablePointer<Hot>) throws -> Bool {
        retireFinished(hot)
        switch hot.pointee.pending {
        case .nothing:
            return false
        case .value:
            return true
        case .error:
            hot.pointee.pending = .nothing
            throw hot.pointee.pendingError.move()
        }
    }

    /// Takes the value that arrived with the last switch.
    @inline(__always)
    static func takeArrivedValue(_ hot: UnsafeMutablePointer<Hot>) -> Any? {
        hot.pointee.pending = .nothing
        return hot.pointee.pendingValue.move()
    }

    /// Drops the value that arrived with the last switch, for a resumer that wants none.
    @inline(__always)
    static func discardArrivedValue(_ hot: UnsafeMutablePointer<Hot>) {
        hot.pointee.pending = .nothing
        hot.pointee.pendingValue.deinitialize(count: 1)
    }

    /// Hands `transfer` to the side about to be resumed.
    @inline(__always)
    static func post(_ transfer: consuming Transfer, _ hot: UnsafeMutablePointer<Hot>) {
        switch consume transfer {
        case .empty:
            hot.pointee.pending = .nothing
        case .value(let value):
            post(value: value, hot)
        case .error(let error):
            hot.pointee.pendingError.initialize(to: error)
            hot.pointee.pending = .error
        }
    }

    /// Hands `value` to the side about to be resumed. `nil` is handed as nothing: moved
    /// into the slot and left there, since a `nil` holds nothing to release, so that no
    /// `Any?` is destroyed on either side.
    @inline(__always)
    static func post(value: consuming Any?, _ hot: UnsafeMutablePointer<Hot>) {
        let isNil = value == nil
        hot.pointee.pendingValue.initialize(to: value)
        hot.pointee.pending = isNil ? .nothing : .value
    }

    /// Gives back the stack of a greenlet that just finished, now that its frames are off it.
    @inline(__always)
    private static func retireFinished(_ hot: UnsafeMutablePointer<Hot>) {
        if let finished = hot.pointee.retiring {
            hot.pointee.retiring = nil
            finished.releaseStack(recycle: true)
        }
    }

    // MARK: Stacks

    /// How many freed default-size stacks a thread keeps resident for reuse; beyond that,
    /// a freed stack gives its pages back to the system and waits, unmapped from memory but
    /// not from the address space, for its next use. A slab whose stacks have all gone back
    /// is unmapped, unless it is the newest.
    static let stackPoolLimit = 64
    /// Default-size stacks are mapped this many at a time.
    static let slabSize = 64

    func takeStack(usableBytes: Int) throws -> weave_stack {
        let wanted = Self.roundedToPages(usableBytes)
        guard wanted == Self.roundedToPages(Greenlet.defaultStackSize) else {
            return try mapLoneStack(usableBytes: wanted)
        }
        let count = stackPoolCount
        if count > 0 {
            let last = stackPool[count - 1]
            if last.mapping_size - last.guard_size == wanted {
                stackPoolCount = count - 1
                return last
            }
        }
        if let slab = slabsWithReleased.last, slab.usableBytes == wanted, let stack = slab.takeReleased() {
            if slab.releasedCount == 0 {
                slabsWithReleased.removeLast()
            }
            return stack
        }
        do throws(StackSlab.MappingFailure) {
            if let slab = slabs.last, slab.usableBytes == wanted, let stack = try slab.takeFresh() {
                return stack
            }
            let slab = try StackSlab.map(usableBytes: wanted, guardBytes: Greenlet.guardSize, count: Self.slabSize)
            slabs.append(slab)
            guard let stack = try slab.takeFresh() else { throw StackSlab.MappingFailure(errno: ENOSPC) }
            return stack
        } catch {
            throw stackUnavailable(wanted, error.errno)
        }
    }

    private func mapLoneStack(usableBytes: Int) throws -> weave_stack {
        var stack = weave_stack()
        let failure = weave_stack_map(usableBytes, Greenlet.guardSize, &stack)
        guard failure == 0 else { throw stackUnavailable(usableBytes, failure) }
        return stack
    }

    private func stackUnavailable(_ bytes: Int, _ failure: Int32) -> GreenletError {
        GreenletError(
            .stackUnavailable,
            "could not map a \(bytes)-byte greenlet stack (errno \(failure)); " + Self.mappingAdvice)
    }

    func recycleStack(_ stack: weave_stack) {
        guard let slab = StackSlab.owner(of: stack) else {
            var stack = stack
            weave_stack_unmap(&stack)
            return
        }
        let count = stackPoolCount
        if count < Self.stackPoolLimit {
            stackPool[count] = stack
            stackPoolCount = count + 1
            return
        }
        slab.release(stack)
        if slab.resident == 0, slab !== slabs.last {
            unmap(slab)
        } else if slab.releasedCount == 1 {
            slabsWithReleased.append(slab)
        }
    }

    var mappedSlabCount: Int { slabs.count }

    private func unmap(_ slab: StackSlab) {
        slab.unmap()
        slabs.removeAll { $0 === slab }
        slabsWithReleased.removeAll { $0 === slab }
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
            StackSlab.owner(of: stackPool[index])?.forgetResidentStack()
        }
        stackPoolCount = 0
        stackPool.deallocate()
        // Slabs with stacks still resident stay mapped for the greenlets suspended on them.
        for slab in slabs where slab.resident == 0 {
            slab.unmap()
        }
        slabs.removeAll { $0.resident == 0 }
        slabsWithReleased.removeAll()
        if let shared {
            weave_shared_stack_destroy(shared)
            shared.deallocate()
            self.shared = nil
        }
        tracer = nil
        // The attachment (a hub) is left alone: releasing it would kill its greenlet, which
        // is inside an event loop that cannot run on a thread that is going away.
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
