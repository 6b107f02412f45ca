#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory shared between a process and the children it starts afterwards: an anonymous
/// shared-memory file (`memfd_create`, close-on-exec) mapped `MAP_SHARED`. Forked children
/// inherit the mapping; a spawned child gets the descriptor when an object built on the
/// region is among its arguments (`DescriptorTransfer`), and no other program does. The
/// memory is returned to the system when the last process unmaps it and closes the
/// descriptor, so it cannot leak, whatever way the processes end.
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

    /// Maps the whole of a shared file received from the parent, and owns its descriptor
    /// from now on (it is closed even when the mapping fails).
    init(adopting descriptor: Int32) throws {
        do {
            let size = try Syscalls.fileSize(descriptor)
            guard size > 0 else {
                throw MultiprocessingError(.invalidArgument, context: "the shared memory passed by the parent is empty")
            }
            base = try Syscalls.mapShared(descriptor, size: size)
            self.size = size
        } catch {
            Syscalls.closeDescriptor(descriptor)
            throw error
        }
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

// MARK: Crossing into spawned children

extension SharedRegion {
    /// The index this region travels as in the current transfer (see `DescriptorTransfer`).
    /// - Throws: `EncodingError.invalidValue` outside a spawn launch.
    func transferIndex(codingPath: [any CodingKey]) throws -> Int {
        try DescriptorTransfer.sending(self, codingPath: codingPath).attach(descriptor)
    }

    /// The region a spawned child's parent passed as `index`; every object that names the
    /// same index shares one mapping.
    /// - Throws: `DecodingError.dataCorrupted` outside a spawned child's bootstrap or for a
    ///   bad index; `.systemCallFailed` when the memory cannot be mapped.
    static func received(at index: Int, codingPath: [any CodingKey]) throws -> SharedRegion {
        try DescriptorTransfer.receiving(SharedRegion.self, codingPath: codingPath).region(at: index, codingPath: codingPath)
    }
}
