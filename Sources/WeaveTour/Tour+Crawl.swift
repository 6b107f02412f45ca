#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Weave

extension Tour {
    /// The eight sites of the tutorial's crawl, and how their offline stand-ins answer:
    /// after `delay` seconds of the program's time, with `size` characters.
    static let crawlSites: [(url: String, delay: Double, size: Int)] = [
        ("http://www.sina.com", 0.45, 14_336),
        ("http://www.qq.com", 0.30, 48_128),
        ("http://www.baidu.com", 0.15, 2_381),
        ("http://www.163.com", 0.40, 30_720),
        ("http://www.4399.com", 0.60, 9_216),
        ("http://www.sohu.com", 0.35, 65_536),
        ("http://www.youku.com", 0.80, 5_120),
        ("http://www.iqiyi.com", 0.50, 21_504),
    ]

    /// Source program 4, line by line: eight concurrent `requests.get(url)` calls, each
    /// printing the length of its page, then the total time — about the slowest page's,
    /// not the sum. The same pages are then fetched one after another for comparison.
    ///
    /// ```python
    /// def getPageText(url, order=0):
    ///     print("No%d:%s请求开始..." % (order, url))
    ///     resp = requests.get(url)  # 发起网络请求,返回需要时间——阻塞IO
    ///     html = resp.text
    ///     print("No%d:%s成功返回:长度为%d" % (order, url, len(html)))
    ///
    /// monkey.patch_all()
    /// if __name__ == '__main__':
    ///     start = time.time()
    ///     time.clock()
    ///     gevent.joinall([
    ///         gevent.spawn(getPageText, "http://www.sina.com", order=1),
    ///         ...
    ///         gevent.spawn(getPageText, "http://www.iqiyi.com", order=8),
    ///     ])
    ///     end = time.time()
    ///     print("over,耗时%d秒" % (end - start))
    ///     print(time.clock())
    /// ```
    ///
    /// `GreenHTTPClient` is green from the start, so `monkey.patch_all()` has nothing to do.
    ///
    /// - Parameter urls: Real URLs to crawl; `nil` (the default) crawls the tutorial's
    ///   eight sites through offline stand-ins: an embedded HTTP server on loopback that
    ///   answers for each site after its own delay with a page of its own size. The delays
    ///   scale with `timeScale`, but never below half, so that setting up connections never
    ///   outweighs the pages themselves.
    /// - Throws: A request's error (a refused connection, a timeout, a bad URL).
    public func crawl(urls: [String]? = nil) throws {
        let scale = urls == nil ? max(timeScale, 0.5) : 1
        let server = try urls == nil ? Tour.startStandInServer(timeScale: scale) : nil
        defer { try? server?.stop() }
        let sites = urls ?? Tour.crawlSites.map(\.url)
        let standInPort = server?.port
        let fetchURL: @Sendable (String) -> String = { url in
            standInPort.map { "http://127.0.0.1:\($0)/\(url.dropFirst("http://".count))" } ?? url
        }
        var configuration = GreenHTTPClient.Configuration()
        configuration.maxConnectionsPerHost = max(sites.count, 1)
        let client = try GreenHTTPClient(configuration: configuration)
        defer { try? client.close() }

        func getPageText(_ url: String, order: Int = 0) throws {
            say("No\(order):\(url)请求开始...", "No\(order):\(url) request started...")
            let resp = try client.get(fetchURL(url))  // a network request that takes time: blocking-style I/O

            let html = resp.text
            say("No\(order):\(url)成功返回:长度为\(html.unicodeScalars.count)", "No\(order):\(url) returned: length \(html.unicodeScalars.count)")
        }

        note("monkey.patch_all() has nothing to patch: GreenHTTPClient suspends only the green thread that waits")
        let start = Tour.now()
        try Green.joinAll(
            sites.enumerated().map { index, url in
                Green.spawn { try getPageText(url, order: index + 1) }
            }, raiseError: true)
        let end = Tour.now()
        say("over,耗时\(Int((end - start) / scale))秒", "over, took \(Int((end - start) / scale)) seconds")
        say("\(Double(clock()) / Double(CLOCKS_PER_SEC))")

        note("measured: \(Tour.tenths((end - start) / scale)) s for \(sites.count) pages fetched concurrently; fetching them one after another…")
        let serialStart = Tour.now()
        for url in sites {
            _ = try client.get(fetchURL(url))
        }
        note("one after another: \(Tour.tenths((Tour.now() - serialStart) / scale)) s")
    }

    /// Starts the stand-ins for the crawl's sites on a hub thread of their own:
    /// `/www.sina.com` answers as `http://www.sina.com` would, after its delay.
    static func startStandInServer(timeScale: Double) throws -> GreenMultiHubServer {
        try GreenMultiHubServer.start(threads: 1) { port in
            try GreenHTTPServer(port: port, reusePort: true) { request in
                guard let site = crawlSites.first(where: { $0.url.dropFirst("http://".count) == request.path.dropFirst() })
                else {
                    return GreenHTTPResponse(status: 404, text: "no stand-in for \(request.path)\n")
                }
                try Green.sleep(site.delay * timeScale)
                let line = Array("<p>a stand-in page for \(site.url)</p>\n".utf8)
                return GreenHTTPResponse(
                    headers: [("Content-Type", "text/html; charset=utf-8")],
                    body: (0..<site.size).map { line[$0 % line.count] })
            }
        }
    }

    /// Seconds to one decimal place.
    static func tenths(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
