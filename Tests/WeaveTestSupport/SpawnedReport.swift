import Multiprocessing

/// Runs `entryPoint` in a child started with `host` (a spawn start method whose arguments
/// name the test class's child host), hands it a queue, and returns the one report the child
/// puts there once the child has exited cleanly: for tests whose work must not run in the
/// test process itself.
///
/// - Throws: ``/Multiprocessing/MultiprocessingError`` `timedOut` when no report comes
///   within 60 s or the child does not exit within 30 s after it, `invalidArgument` when it
///   exits with a code other than 0; what starting the child throws.
public func spawnedReport<Report: Codable & Sendable>(
    of entryPoint: SpawnEntryPoint<ProcessQueue<Report>>, host: StartMethod
) throws -> Report {
    let reports = try ProcessQueue<Report>()
    let child = ChildProcess(name: "reporter", startMethod: host, entryPoint: entryPoint, arguments: reports)
    try child.start()
    let report = try reports.get(timeout: 60)
    guard try child.join(timeout: 30) else {
        try? child.kill()
        throw MultiprocessingError(.timedOut, context: "the child \(entryPoint.name) reported but did not exit")
    }
    guard child.exitCode == 0 else {
        throw MultiprocessingError(.invalidArgument, context: "the child \(entryPoint.name) exited with \(child.exitCode ?? -1)")
    }
    return report
}
