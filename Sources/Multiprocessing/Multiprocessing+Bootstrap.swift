extension Multiprocessing {
    static let entryPoints = SpawnEntryPointTable()

    /// Makes `entryPoint` runnable in spawned children. Call it before
    /// `bootstrapIfChild()`, in parent and child alike (both run the same `main`).
    public static func register<Arguments>(_ entryPoint: SpawnEntryPoint<Arguments>) {
        entryPoints.register(entryPoint)
    }

    /// Turns this process into the spawned child it was started as, if it was; otherwise
    /// returns at once.
    ///
    /// Call it at the top of `main`, after registering entry points and before anything
    /// else runs (the `weave` tool does). In a child started with `StartMethod.spawn`, it
    /// reads the start-up message from the descriptor named by `WEAVE_SPAWN_FD`, takes the
    /// child's name and parent, runs the entry point with its decoded arguments, and exits:
    /// with 0, or with 1 after printing the error on standard error. Exit handlers run, so
    /// the child's own non-daemon children are joined.
    public static func bootstrapIfChild() {
        guard let value = Syscalls.environmentValue(SpawnLauncher.descriptorVariable) else { return }
        Syscalls.removeEnvironmentValue(SpawnLauncher.descriptorVariable)
        do {
            guard let descriptor = Int32(value) else {
                throw MultiprocessingError(.notSpawnChild, context: "\(SpawnLauncher.descriptorVariable)=\(value)")
            }
            let message = try FrameIO.readToEnd(descriptor)
            Syscalls.closeDescriptor(descriptor)
            let startup = try SpawnStartup(decoding: message)
            becomeChild(
                name: startup.name, parent: ProcessIdentity(name: startup.parentName, pid: startup.parentPid),
                isDaemon: startup.isDaemon)
            entryPoints.register(PoolWorkerLoop.entryPoint)
            guard let runner = entryPoints.runner(named: startup.entryPoint) else {
                throw MultiprocessingError(.unknownEntryPoint, context: startup.entryPoint)
            }
            do {
                try runner(startup.arguments, DescriptorTransfer(received: startup.descriptors))
            } catch {
                Syscalls.writeToStandardError("Process \(startup.name) (pid \(Syscalls.processID())) failed: \(error)\n")
                Syscalls.exitProcess(1)
            }
            Syscalls.exitProcess(0)
        } catch {
            Syscalls.writeToStandardError("weave: spawned child \(Syscalls.processID()) cannot start: \(error)\n")
            Syscalls.exitProcess(1)
        }
    }
}
