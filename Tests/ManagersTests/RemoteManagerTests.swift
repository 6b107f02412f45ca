import Foundation
import Managers
import Multiprocessing
import XCTest

/// A manager served over TCP with a shared key, reached by processes that only know its
/// address and key, as processes on other machines would.
final class RemoteManagerTests: XCTestCase {
    func testRemoteManagerOverTCPWithKey() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let key = AuthenticationKey("shared secret")
        let server = Manager(address: .tcp(host: "127.0.0.1", port: 0), authenticationKey: key)
        try server.register(ManagerTests.tally)
        let serving = BackgroundWork { try server.serveForever() }
        var listening = server.address
        for _ in 0..<3000 {
            guard case .tcp(_, 0) = listening else { break }
            Thread.sleep(forTimeInterval: 0.01)
            listening = server.address
        }
        let address = listening
        guard case .tcp(_, let port) = address, port > 0 else { return XCTFail("the server never listened") }

        let client = Manager(address: address, authenticationKey: key)
        try client.connect()
        let shared: ManagedDictionary<String, Int> = try client.dictionary(named: "shared")
        try shared.set("visits", to: 1)
        let elsewhere = ChildProcess(startMethod: .fork) {
            let remote = Manager(address: address, authenticationKey: key)
            try remote.connect()
            let same: ManagedDictionary<String, Int> = try remote.dictionary(named: "shared")
            try same.update("visits") { ($0 ?? 0) + 1 }
            _ = try remote.make("Tally", named: "tally").call("add", 3, returning: Int.self)
        }
        try elsewhere.start()
        try elsewhere.join()
        XCTAssertEqual(elsewhere.exitCode, 0)
        XCTAssertEqual(try shared["visits"], 2)
        XCTAssertEqual(try client.make("Tally", named: "tally").call("total", returning: Int.self), 3)

        let intruder = Manager(address: address, authenticationKey: AuthenticationKey("a guess"))
        XCTAssertThrowsError(try intruder.connect()) {
            XCTAssertEqual(($0 as? ConnectionError)?.code, .peerNotAuthenticated)
        }
        let keyless = Manager(address: address, authenticationKey: nil)
        XCTAssertThrowsError(try keyless.connect()) {
            XCTAssertEqual(($0 as? ConnectionError)?.code, .authenticationRequired)
        }
        XCTAssertEqual(try shared["visits"], 2, "refused clients leave the manager serving")

        try client.shutdown()
        try serving.result()
        XCTAssertThrowsError(try shared["visits"]) {
            XCTAssertEqual(($0 as? ManagerError)?.code, .managerStopped)
        }
    }
}
