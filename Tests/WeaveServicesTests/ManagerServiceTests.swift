import Logging
import Managers
import Multiprocessing
import ServiceLifecycle
import WeaveServices
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What the spawned child saw of its manager, once its service group had stopped.
private struct ManagerShutdownReport: Codable, Sendable {
    var pid: Int32
    var socketPath: String
    /// The error code of a manager call made after the shutdown, or "succeeded".
    var callAfterShutdown: String
    /// The service's log entries: message, level and `graceful` metadata.
    var logged: [String]
}

/// Puts a started manager under a service group that stops on SIGTERM, SIGTERMs its own
/// process, and reports. It runs in a spawned child, since trapping SIGTERM changes the
/// process for good (see `TerminationSignal`).
private let managerUnderSIGTERM = SpawnEntryPoint<ProcessQueue<ManagerShutdownReport>>("tests.manager-service-sigterm") { reports in
    Multiprocessing.warnsOnMultithreadedFork = false
    let log = LogCapture()
    let manager = Manager()
    try manager.start()
    let counts: ManagedDictionary<String, Int> = try manager.dictionary()
    try counts.update("served") { ($0 ?? 0) + 1 }
    guard let pid = manager.pid, case .unix(let socketPath) = manager.address else {
        throw MultiprocessingError(.invalidArgument, context: "the manager should run in a process, on a Unix socket")
    }
    let service = ManagerService(manager, logger: log.logger(label: "manager-service"))
    let group = ServiceGroup(
        services: [service], gracefulShutdownSignals: [.sigterm], logger: log.logger(label: "group", level: .warning))
    try waitForAsync {
        let terminator = TerminationSignal.sendRepeatedly(every: .milliseconds(100))
        try await group.run()
        terminator.cancel()
        await terminator.value
    }
    let callAfterShutdown: String
    do {
        _ = try counts["served"]
        callAfterShutdown = "succeeded"
    } catch {
        callAfterShutdown = (error as? ManagerError).map { "\($0.code)" } ?? "\(error)"
    }
    try reports.put(
        ManagerShutdownReport(
            pid: pid, socketPath: socketPath, callAfterShutdown: callAfterShutdown,
            logged: log.entries.map { "\($0.message) \($0.level) graceful=\($0.metadata["graceful"] ?? "-")" }))
}

final class ManagerServiceTests: XCTestCase {
    private static let host = StartMethod.spawn(arguments: ["WeaveServicesTests.ManagerServiceTests/testSpawnedChildHost"])

    /// Where the spawned child bootstraps; does nothing in the test process.
    func testSpawnedChildHost() {
        Multiprocessing.register(managerUnderSIGTERM)
        Multiprocessing.bootstrapIfChild()
    }

    func testSIGTERMShutsTheManagerDownLeavingNoProcessOrSocket() throws {
        let report = try spawnedReport(of: managerUnderSIGTERM, host: Self.host)

        XCTAssertTrue(ChildProcessTestSupport.isGone(report.pid), "the manager process \(report.pid) is gone")
        XCTAssertFalse(ChildProcessTestSupport.fileExists(report.socketPath), "its socket \(report.socketPath) is removed")
        XCTAssertEqual(report.callAfterShutdown, "\(ManagerError.Code.managerStopped)")
        XCTAssertTrue(report.logged.contains("manager shut down info graceful=true"), "\(report.logged)")
    }
}
