import CWeaveContext

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Greenlet stacks of one size mapped together (one `mmap` for `GreenletThread.slabSize`
/// stacks), with how many of them are resident and which went back to the system.
///
/// Its thread unmaps a slab once every stack it handed out has gone back to the system, so
/// that after a burst of greenlets the address space shrinks again, and with it the page
/// tables that each `fork()` copies.
final class StackSlab {
    // Only the owning thread touches a slab, and no access spans a switch.
    @exclusivity(unchecked) private var mapping = weave_stack_slab()
    /// Stacks handed out and not given back to the system: running, suspended, or kept in
    /// the thread's pool of resident stacks.
    @exclusivity(unchecked) private(set) var resident = 0
    /// Stacks whose pages went back to the system, still mapped with their guards.
    @exclusivity(unchecked) private var released: [weave_stack] = []

    private init() {}

    /// Maps a slab of `count` stacks of `usableBytes` bytes above `guardBytes` of guard.
    static func map(usableBytes: Int, guardBytes: Int, count: Int) throws(MappingFailure) -> StackSlab {
        let slab = StackSlab()
        let failure = weave_stack_slab_map(usableBytes, guardBytes, count, &slab.mapping)
        guard failure == 0 else { throw MappingFailure(errno: failure) }
        return slab
    }

    /// The `errno` value of a mapping the system refused.
    struct MappingFailure: Error {
        var errno: Int32
    }

    /// The slab that `stack` was carved from, or `nil` for a stack mapped on its own.
    static func owner(of stack: weave_stack) -> StackSlab? {
        stack.slab.map { Unmanaged<StackSlab>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The usable bytes of each of its stacks.
    var usableBytes: Int { mapping.stride - mapping.guard_size }

    /// How many of its stacks went back to the system and wait for reuse.
    var releasedCount: Int { released.count }

    /// Hands out its next never-used stack, installing the guard.
    /// - Returns: The stack, or `nil` when all were handed out.
    func takeFresh() throws(MappingFailure) -> weave_stack? {
        var stack = weave_stack()
        let failure = weave_stack_slab_take(&mapping, &stack)
        if failure == ENOSPC {
            return nil
        }
        guard failure == 0 else { throw MappingFailure(errno: failure) }
        stack.slab = Unmanaged.passUnretained(self).toOpaque()
        resident += 1
        return stack
    }

    /// Hands out a stack that went back to the system, if it holds one.
    func takeReleased() -> weave_stack? {
        guard let stack = released.popLast() else { return nil }
        resident += 1
        return stack
    }

    /// Gives `stack`'s pages back to the system and keeps it for reuse.
    func release(_ stack: weave_stack) {
        withUnsafePointer(to: stack) { weave_stack_discard($0) }
        released.append(stack)
        resident -= 1
    }

    /// Counts one of its resident stacks as given back without touching it: the thread's
    /// pool is going away.
    func forgetResidentStack() {
        resident -= 1
    }

    /// Unmaps every stack of the slab; call only when none is resident.
    func unmap() {
        weave_stack_slab_unmap(&mapping)
        released.removeAll()
    }
}
