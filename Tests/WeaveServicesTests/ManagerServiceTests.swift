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

final class ManagerServiceTests: XCTestCase {
    func testSIGTERMShutsTheManagerDownLeavingNoProcessOrSocket() async throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let log = LogCapture()
        let manager = Manager()
        try manager.start()
        let counts: ManagedDictionary<String, Int> = try manager.dictionary()
        try counts.update("served") { ($0 ?? 0) + 1 }
        let pid = try XCTUnwrap(manager.pid)
        guard case .unix(let socketPath) = manager.address else { return XCTFail("a Unix socket by default") }
        XCTAssertTrue(ChildProcessTestSupport.fileExists(socketPath))

        let service = ManagerService(manager, logger: log.logger(label: "manager-service"))
        let group = ServiceGroup(
            services: [service], gracefulShutdownSignals: [.sigterm], logger: log.logger(label: "group", level: .warning))
        let terminator = TerminationSignal.sendRepeatedly(every: .milliseconds(100))
        try await group.run()
        terminator.cancel()
        await terminator.value

        XCTAssertTrue(ChildProcessTestSupport.isGone(pid), "the manager process \(pid) is gone")
        XCTAssertFalse(ChildProcessTestSupport.fileExists(socketPath), "its socket \(socketPath) is removed")
        XCTAssertThrowsError(try counts["served"]) { error in
            XCTAssertEqual((error as? ManagerError)?.code, .managerStopped, "\(error)")
        }
        XCTAssertTrue(
            log.entries.contains { $0.message == "manager shut down" && $0.level == .info && $0.metadata["graceful"] == "true" },
            "\(log.entries.map(\.message))")
    }
}
