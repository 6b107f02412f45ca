import CLibPQ
import GreenHub
import GreenPatch
import WeaveTestSupport
import XCTest

/// libpq, unchanged: ten greenlets of one thread each run PQexec("SELECT pg_sleep(0.2)")
/// against a private PostgreSQL, and the queries overlap.
final class LibPQTests: XCTestCase {
    func testTenSleepingQueriesOverlap() throws {
        let server: PostgresTestServer
        do {
            server = try PostgresTestServer()
        } catch let error as PostgresTestServer.SetupError {
            throw XCTSkip("\(error)")
        }
        defer { server.stop() }
        let connectionString = server.connectionString
        let lines = try runPatched {
            let connections = (0..<10).map { _ in
                Green.spawn { () -> OpaquePointer? in PQconnectdb(connectionString) }
            }
            let handles = try connections.map { try $0.get() }
            defer { handles.forEach { PQfinish($0) } }
            guard handles.allSatisfy({ PQstatus($0) == CONNECTION_OK }) else {
                return ["connect failed: \(String(cString: PQerrorMessage(handles[0])))"]
            }
            var outcomes: [String] = []
            let elapsed = try elapsedSeconds {
                let queries = handles.map { handle in
                    Green.spawn { () -> String in
                        let result = PQexec(handle, "SELECT pg_sleep(0.2)")
                        defer { PQclear(result) }
                        return PQresultStatus(result) == PGRES_TUPLES_OK ? "ok" : String(cString: PQresultErrorMessage(result))
                    }
                }
                outcomes = try queries.map { try $0.get() }
            }
            // One after another they take 2 s; side by side about 0.2 s.
            return outcomes + ["at least 0.2 s: \(elapsed >= 0.19)", "well under 2 s: \(elapsed < 1.0)"]
        }
        XCTAssertEqual(lines, Array(repeating: "ok", count: 10) + ["at least 0.2 s: true", "well under 2 s: true"])
    }
}
