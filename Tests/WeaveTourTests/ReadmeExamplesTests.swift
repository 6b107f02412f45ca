import Greenlets
import GreenHub
import GreenNet
import GreenPatch
import Multiprocessing
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Every Swift example in README.md, verbatim, compiled and run; and a check that the
/// README shows no example that is not here.
final class ReadmeExamplesTests: XCTestCase {
    func testGreenletExample() throws {
        let main = Greenlet.current
        let child = Greenlet { value in
            let reply = try main.switch("got \(value!)")
            return "done after \(reply!)"
        }
        print(try child.switch(1)!)       // got 1
        print(try child.switch("ping")!)  // done after ping
        XCTAssertTrue(child.isDead)
    }

    func testHubExample() throws {
        let jobs = GreenQueue<Int>()
        let workers = (1...3).map { id in
            Green.spawn(name: "worker-\(id)") { () -> Int in
                var done = 0
                while let job = try? jobs.get(timeout: 0.05) {
                    try Green.sleep(Double(job) / 1000)
                    done += 1
                }
                return done
            }
        }
        for job in 1...9 {
            try jobs.put(job)
        }
        let counts = try workers.map { try $0.get() }
        print(counts.reduce(0, +))  // 9
        XCTAssertEqual(counts.reduce(0, +), 9)
    }

    func testNetworkingExample() throws {
        let server = try GreenHTTPServer { request in
            try Green.sleep(0.01)  // a handler may block: it runs in a green thread
            return GreenHTTPResponse(text: "hello from \(request.uri)")
        }
        server.start()
        let client = try GreenHTTPClient()
        let pages = (1...8).map { n in
            Green.spawn { try client.get("http://127.0.0.1:\(server.port)/page/\(n)").text }
        }
        print(try pages.map { try $0.get() }.count)  // 8, fetched concurrently
        XCTAssertEqual(try pages[2].get(), "hello from /page/3")
        try client.close()
        try server.stop()
    }

    func testProcessExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let queue = try ProcessQueue<String>()
        let child = ChildProcess(name: "worker", arguments: "hello") { greeting in
            try queue.put("\(greeting) from \(Multiprocessing.currentProcess.name)")
        }
        try child.start()
        print(try queue.get())  // hello from worker
        try child.join()
        print(child.exitCode!)  // 0
        XCTAssertEqual(child.exitCode, 0)
    }

    func testPoolExample() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let pool = try ProcessPool(processes: 2) { (n: Int) in n * n }
        print(try pool.map(Array(1...5)))  // [1, 4, 9, 16, 25]
        XCTAssertEqual(try pool.map(Array(1...5)), [1, 4, 9, 16, 25])
        pool.close()
        try pool.join()
    }

    func testMonkeyPatchExample() throws {
        // Patching lasts as long as the process: the example runs as a forked child's main.
        Multiprocessing.warnsOnMultithreadedFork = false
        let report = try ProcessQueue<Double>()
        let child = ChildProcess(name: "patched-main") {
            GreenPatch.patchAll()  // the first line of main, as monkey.patch_all() is in Python
            let start = ContinuousClock.now
            let sleepers = (1...100).map { _ in Green.spawn { Glibc.sleep(1) } }
            try Green.joinAll(sleepers)
            print(ContinuousClock.now - start)  // about 1 second, not 100
            let elapsed = (ContinuousClock.now - start).components
            try report.put(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
        try child.start()
        let elapsed = try report.get(timeout: 60)
        XCTAssertTrue(try child.join(timeout: 10))
        XCTAssertEqual(child.exitCode, 0)
        XCTAssertGreaterThanOrEqual(elapsed, 0.99)
        XCTAssertLessThan(elapsed, 10)  // 100 s one after another
    }

    func testEveryReadmeExampleIsHere() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let normalizedSource = Set(source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map {
            $0.components(separatedBy: "```")[0]
        }
        XCTAssertGreaterThanOrEqual(blocks.count, 4)
        for block in blocks {
            for line in block.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("import ") else { continue }
                XCTAssertTrue(
                    normalizedSource.contains(trimmed),
                    "README line not exercised by ReadmeExamplesTests: \(trimmed)")
            }
        }
    }
}
