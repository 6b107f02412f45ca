import Atomics
import CWeaveContext

extension Greenlet {
    /// Where a greenlet's stack lives.
    public enum StackMode: Sendable, Equatable {
        /// A stack of its own: `stackSize` bytes of address space with a guard region below,
        /// of which only the pages the greenlet touches cost memory. Switching costs the
        /// same whatever the depth. Freed stacks are pooled and reused (up to 64 a thread
        /// stay resident; the rest give their memory back, and their address space once
        /// every stack mapped with them is free).
        case dedicated
        /// The thread's shared stack (``Greenlet/compactStackSize`` bytes). While parked, the
        /// greenlet's used bytes live in a heap copy of exactly that size, so a million parked
        /// greenlets fit in a few GB; a switch to a compact greenlet that is not the last one
        /// to run copies the bytes in and out. Never keep a pointer into a compact greenlet's
        /// stack (such as `withUnsafePointer(to:)` on a local) across a switch.
        case compact
    }

    private static let defaultStackSizeStorage = ManagedAtomic<Int>(256 * 1024)
    private static let compactStackSizeStorage = ManagedAtomic<Int>(1024 * 1024)
    private static let guardSizeStorage = ManagedAtomic<Int>(16 * 1024)
    private static let compactByDefault = ManagedAtomic<Bool>(false)

    /// The stack size, in bytes, of a `.dedicated` greenlet created without `stackSize:`.
    /// Defaults to 256 KiB of address space, of which only touched pages cost memory.
    /// Greenlets created afterwards, on any thread, use the new value.
    public static var defaultStackSize: Int {
        get { defaultStackSizeStorage.load(ordering: .relaxed) }
        set { defaultStackSizeStorage.store(max(newValue, 16 * 1024), ordering: .relaxed) }
    }

    /// The stack mode of a greenlet created without `stackMode:`; `.dedicated` unless set.
    public static var defaultStackMode: StackMode {
        get { compactByDefault.load(ordering: .relaxed) ? .compact : .dedicated }
        set { compactByDefault.store(newValue == .compact, ordering: .relaxed) }
    }

    /// The size, in bytes, of each thread's shared stack for `.compact` greenlets (1 MiB
    /// unless set). Takes effect on threads that have not run a compact greenlet yet.
    public static var compactStackSize: Int {
        get { compactStackSizeStorage.load(ordering: .relaxed) }
        set { compactStackSizeStorage.store(max(newValue, 64 * 1024), ordering: .relaxed) }
    }

    /// Bytes of guard region below each stack (16 KiB unless set). A frame that reaches it
    /// stops the program with a report naming the greenlet, instead of corrupting memory.
    public static var guardSize: Int {
        get { guardSizeStorage.load(ordering: .relaxed) }
        set { guardSizeStorage.store(max(newValue, 4096), ordering: .relaxed) }
    }

    /// Whether each stack's guard costs a kernel memory mapping (kernels before Linux 6.13,
    /// which lack `MADV_GUARD_INSTALL`). There, `vm.max_map_count` (65530 by default) caps
    /// live `.dedicated` greenlets at about 32k: raise it or use `.compact`.
    public static var guardsCostAMapping: Bool {
        weave_stack_guards_split_mappings() != 0
    }

    /// How many slabs of default-size stacks the calling thread has mapped (64 stacks
    /// each): what its greenlets hold of the address space, for tests and diagnostics.
    package static var mappedStackSlabCount: Int {
        GreenletThread.current.mappedSlabCount
    }
}
