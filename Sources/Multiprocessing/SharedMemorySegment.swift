/// A named block of shared memory (Python's `multiprocessing.shared_memory.SharedMemory`):
/// any process that knows the name can attach to it, not only children.
///
/// The creator owns the name: `unlink()` removes it, and if the creator never does, a
/// tracker removes it once the creator and the children it forked are gone — after a
/// normal exit, a SIGTERM or a SIGKILL alike. Processes that merely attach never unlink,
/// so a segment is not removed under its creator's feet. Unlinking removes only the name:
/// processes that already mapped the segment keep using it until they close it.
public final class SharedMemorySegment: @unchecked Sendable {
    /// The segment's name, as `shm_open` takes it (starting with `/`).
    public let name: String
    /// The usable size in bytes.
    public let size: Int
    /// Whether this handle created the segment (and owns its name).
    public let isCreator: Bool
    private let mapping: UnsafeMutableRawPointer
    private let mappedSize: Int
    private let closed = InProcessFlag()
    private let unlinked = InProcessFlag()

    private init(name: String, size: Int, mapping: UnsafeMutableRawPointer, mappedSize: Int, isCreator: Bool) {
        self.name = name
        self.size = size
        self.mapping = mapping
        self.mappedSize = mappedSize
        self.isCreator = isCreator
    }

    /// Creates a new segment of `size` zeroed bytes (`shm_open(O_CREAT | O_EXCL)`,
    /// `ftruncate`, `mmap`).
    /// - Parameters:
    ///   - name: The name; nil picks a fresh `/weave-<pid>-<random>`. A leading `/` is added
    ///     when missing.
    ///   - size: The size in bytes, at least 1.
    /// - Throws: `.invalidArgument` for a size below 1, `.systemCallFailed` with EEXIST when
    ///   the name is taken.
    public static func create(name: String? = nil, size: Int) throws -> SharedMemorySegment {
        guard size >= 1 else {
            throw MultiprocessingError(.invalidArgument, context: "a segment needs at least 1 byte, got \(size)")
        }
        let fullName = normalized(name ?? "weave-\(Syscalls.processID())-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)")
        let descriptor = try Syscalls.openSharedMemory(fullName, create: true, exclusive: true)
        defer { Syscalls.closeDescriptor(descriptor) }
        do {
            try SharedMemoryTracker.shared.register(fullName)
            try Syscalls.resize(descriptor, to: size)
            let mapping = try Syscalls.mapShared(descriptor, size: size)
            return SharedMemorySegment(name: fullName, size: size, mapping: mapping, mappedSize: size, isCreator: true)
        } catch {
            _ = try? Syscalls.unlinkSharedMemory(fullName)
            try? SharedMemoryTracker.shared.unregister(fullName)
            throw error
        }
    }

    /// Attaches to an existing segment (`shm_open`, `fstat`, `mmap`).
    /// - Throws: `.systemCallFailed` with ENOENT when no segment has that name.
    public static func attach(name: String) throws -> SharedMemorySegment {
        let fullName = normalized(name)
        let descriptor = try Syscalls.openSharedMemory(fullName, create: false, exclusive: false)
        defer { Syscalls.closeDescriptor(descriptor) }
        let size = try Syscalls.fileSize(descriptor)
        guard size > 0 else {
            throw MultiprocessingError(.invalidArgument, context: "segment \(fullName) is empty; its creator may still be sizing it")
        }
        let mapping = try Syscalls.mapShared(descriptor, size: size)
        return SharedMemorySegment(name: fullName, size: size, mapping: mapping, mappedSize: size, isCreator: false)
    }

    private static func normalized(_ name: String) -> String {
        name.hasPrefix("/") ? name : "/" + name
    }

    deinit {
        close()
    }

    /// The segment's bytes. Valid until `close()`.
    public var bytes: UnsafeMutableRawBufferPointer {
        precondition(!closed.isSet, "SharedMemorySegment \(name) was closed; keep it open while using its bytes")
        return UnsafeMutableRawBufferPointer(start: mapping, count: size)
    }

    /// Unmaps the segment from this process (`munmap`). The name stays until `unlink()`.
    public func close() {
        guard !closed.isSet else { return }
        closed.set()
        Syscalls.unmap(mapping, size: mappedSize)
    }

    /// Removes the name (`shm_unlink`), so nobody new can attach; mappings stay valid.
    /// Only the creator may unlink.
    /// - Throws: `.invalidArgument` on a handle that merely attached.
    public func unlink() throws {
        guard isCreator else {
            throw MultiprocessingError(.invalidArgument, context: "only the creator of \(name) may unlink it")
        }
        guard !unlinked.isSet else { return }
        unlinked.set()
        try Syscalls.unlinkSharedMemory(name)
        try SharedMemoryTracker.shared.unregister(name)
    }
}
