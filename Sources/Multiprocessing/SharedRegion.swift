#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory shared between a process and the children it starts afterwards: an anonymous
/// shared-memory file (`memfd_create`) mapped `MAP_SHARED`. Forked children inherit the
/// mapping; spawned children inherit the descriptor. The memory is returned to the system
/// when the last process unmaps it, so it cannot leak, whatever way the processes end.
final class SharedRegion: @unchecked Sendable {
    /// The first byte of the mapping.
    let base: UnsafeMutableRawPointer
    /// The mapping's length in bytes, a multiple of the page size.
    let size: Int
    /// The shared file behind the mapping.
    let descriptor: Int32

    /// Maps a zero-filled region of at least `size` bytes.
    init(size: Int, name: String) throws {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let rounded = max(pageSize, (size + pageSize - 1) / pageSize * pageSize)
        let descriptor = try Syscalls.makeAnonymousSharedFile(name: name, size: rounded)
        do {
            base = try Syscalls.mapShared(descriptor, size: rounded)
        } catch {
            Syscalls.closeDescriptor(descriptor)
            throw error
        }
        self.size = rounded
        self.descriptor = descriptor
    }

    deinit {
        Syscalls.unmap(base, size: size)
        Syscalls.closeDescriptor(descriptor)
    }

    /// A 32-bit word at `offset`, for atomics and futexes.
    func word(at offset: Int) -> UnsafeMutablePointer<UInt32> {
        (base + offset).assumingMemoryBound(to: UInt32.self)
    }

    /// A 64-bit slot at `offset`.
    func slot(at offset: Int) -> UnsafeMutablePointer<Int64> {
        (base + offset).assumingMemoryBound(to: Int64.self)
    }
}
