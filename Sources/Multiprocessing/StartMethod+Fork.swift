#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `fork` start method: the child is a copy of the parent and runs the closure directly.
struct ForkLauncher: ProcessLauncher {
    func launch(_ request: LaunchRequest) throws -> Int32 {
        Multiprocessing.warnIfMultithreaded()
        let parent = Multiprocessing.currentProcess
        Syscalls.flushStandardStreams()
        let pid = try Syscalls.fork()
        if pid != 0 { return pid }
        // In the child: only this thread exists. Replace the bookkeeping the parent's other
        // threads might have held locked, then run the work and leave with _exit.
        Multiprocessing.becomeChild(name: request.name, parent: parent, isDaemon: request.isDaemon)
        let code: Int32
        let freshThread = Syscalls.threadIsUnforkable()
        Multiprocessing.setForkingThreadIdle(freshThread)
        if freshThread {
            // The forking thread runs a hub, whose event loop the child would share with
            // the parent (one epoll instance, one eventfd): the work gets a thread of its
            // own, where green code starts a hub of its own.
            code = Self.onFreshThread { Multiprocessing.runChildWork(request.work, name: request.name) }
        } else {
            code = Multiprocessing.runChildWork(request.work, name: request.name)
        }
        Multiprocessing.finishChild()
        Syscalls.exitImmediately(code)
    }

    /// Runs `body` on a new thread and waits for it; the exit code if the thread cannot
    /// start is 1, with the reason on standard error.
    private static func onFreshThread(_ body: @escaping @Sendable () -> Int32) -> Int32 {
        let work = FreshThreadWork(body)
        let handedOver = Unmanaged.passRetained(work)
        var thread = pthread_t()
        let failure = pthread_create(&thread, nil, { raw in
            let work = Unmanaged<FreshThreadWork>.fromOpaque(raw!).takeRetainedValue()
            work.code = work.body()
            return nil
        }, handedOver.toOpaque())
        guard failure == 0 else {
            handedOver.release()
            Syscalls.writeToStandardError("Process \(Multiprocessing.currentProcess.name): could not start a thread for its work (errno \(failure))\n")
            return 1
        }
        pthread_join(thread, nil)
        return work.code
    }
}

/// A fork child's work and its exit code, handed to the thread that runs it.
private final class FreshThreadWork: @unchecked Sendable {
    let body: @Sendable () -> Int32
    var code: Int32 = 1

    init(_ body: @escaping @Sendable () -> Int32) {
        self.body = body
    }
}
