import CWeaveCurl
import GreenHub
import GreenNet
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// libcurl's blocking easy API, unchanged: eight curl_easy_perform calls in eight greenlets
/// of one thread. Unpatched they run one after another; patched, side by side.
final class CurlCrawlTests: XCTestCase {
    /// Each page's delay on the server, 0.2–0.5 s: 2.75 s in all, 0.5 s the slowest.
    static let delays = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.3]

    func testPatchedTheCrawlTakesAboutTheSlowestPage() throws {
        let (elapsed, pages) = try crawl(patched: true)
        XCTAssertEqual(pages, Self.delays.indices.map { "200 \(pageText($0).utf8.count)" })
        XCTAssertGreaterThanOrEqual(elapsed, 0.49)
        // The sum is 2.75 s; together they take about the slowest page's 0.5 s.
        XCTAssertLessThan(elapsed, 1.5)
    }

    func testUnpatchedTheSameCrawlIsSerial() throws {
        let (elapsed, pages) = try crawl(patched: false)
        XCTAssertEqual(pages.count, Self.delays.count)
        XCTAssertGreaterThanOrEqual(elapsed, 2.7)
    }

    func testTheExecutableExportsTheHooksLibcurlCalls() throws {
        // The test binary links libcurl, which calls these: the linker exports the hooks.
        for name in ["recv", "send", "poll", "connect"] {
            XCTAssertTrue(try GreenPatch.isExported(name), name)
        }
        XCTAssertThrowsError(try GreenPatch.isExported("open"))
    }

    private func pageText(_ index: Int) -> String {
        "page \(index), after \(Self.delays[index]) s"
    }

    /// Serves the pages from this process's hub and crawls them from a forked child, with
    /// or without `GreenPatch.patchAll()`; returns the crawl's seconds and each page's
    /// "status length".
    private func crawl(patched: Bool) throws -> (Double, [String]) {
        let delays = Self.delays
        let server = try GreenHTTPServer { request in
            let index = Int(request.uri.split(separator: "/").last ?? "") ?? 0
            try Green.sleep(delays[index])
            return GreenHTTPResponse(text: "page \(index), after \(delays[index]) s")
        }
        server.start()
        defer { try? server.stop() }
        let port = server.port
        // The parent's hub must keep serving while the child crawls: wait off the hub.
        let lines = try Green.runBlocking {
            try runInChild(patched: patched) {
                var pages = [String](repeating: "", count: delays.count)
                let elapsed = try elapsedSeconds {
                    let fetchers = delays.indices.map { index in
                        Green.spawn {
                            var page = weave_curl_page()
                            let code = weave_curl_get("http://127.0.0.1:\(port)/page/\(index)", 20_000, &page)
                            pages[index] = code == 0 ? "\(page.status) \(page.length)" : "curl error \(code)"
                        }
                    }
                    try fetchers.forEach { try $0.get() }
                }
                return ["\(elapsed)"] + pages
            }
        }
        guard let first = lines.first, let elapsed = Double(first) else {
            XCTFail("the child reported \(lines)")
            return (0, [])
        }
        return (elapsed, Array(lines.dropFirst()))
    }
}
