import CWeavePatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One getaddrinfo call handed to the blocking pool, with copies of its arguments: the
/// greenlet may be interrupted and its caller's buffers gone before the pool's thread
/// finishes. Then the answer is freed there, not lost.
final class NameLookup: @unchecked Sendable {
    // The copies are written once, in init, and read only by the pool's thread.
    private let node: UnsafeMutablePointer<CChar>?
    private let service: UnsafeMutablePointer<CChar>?
    private let hints: addrinfo?
    /// Whether the greenlet gave up, and the answer's list (its address; 0 for none).
    private let state = Mutex<(abandoned: Bool, answered: UInt)>((false, 0))

    /// What getaddrinfo answered.
    struct Answer: @unchecked Sendable {
        let status: Int32
        let errno: Int32
        let list: UnsafeMutablePointer<addrinfo>?
    }

    init(node: UnsafePointer<CChar>?, service: UnsafePointer<CChar>?, hints: UnsafePointer<addrinfo>?) {
        self.node = node.map { strdup($0) }
        self.service = service.map { strdup($0) }
        // getaddrinfo reads only these four fields of its hints.
        self.hints = hints.map { hints in
            var copy = addrinfo()
            copy.ai_flags = hints.pointee.ai_flags
            copy.ai_family = hints.pointee.ai_family
            copy.ai_socktype = hints.pointee.ai_socktype
            copy.ai_protocol = hints.pointee.ai_protocol
            return copy
        }
    }

    deinit {
        free(node)
        free(service)
    }

    /// Calls glibc's getaddrinfo (on the pool's thread, which has no hub).
    func run() -> Answer {
        var list: UnsafeMutablePointer<addrinfo>?
        var hintsCopy = hints ?? addrinfo()
        let status = hints == nil
            ? weave_patch_real_getaddrinfo(node, service, nil, &list)
            : weave_patch_real_getaddrinfo(node, service, &hintsCopy, &list)
        let answer = Answer(status: status, errno: errno, list: list)
        let abandoned = state.withLock { state -> Bool in
            state.answered = UInt(bitPattern: list)
            return state.abandoned
        }
        if abandoned, let list { freeaddrinfo(list) }
        return answer
    }

    /// The greenlet stopped waiting (it was interrupted) and will never take the answer:
    /// it is freed now if it came already, else by `run` when it comes.
    func abandon() {
        let answered = state.withLock { state -> UInt in
            state.abandoned = true
            return state.answered
        }
        if let list = UnsafeMutablePointer<addrinfo>(bitPattern: answered) { freeaddrinfo(list) }
    }
}
