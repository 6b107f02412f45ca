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
        let code = Multiprocessing.runChildWork(request.work, name: request.name)
        Multiprocessing.finishChild()
        Syscalls.exitImmediately(code)
    }
}
