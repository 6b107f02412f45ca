import Weave

extension Tour {
    /// The embedded site's pages: the delay before each answers, in the source program's
    /// seconds, and its size in bytes.
    static let crawlPages: [(delay: Double, size: Int)] = [
        (0.10, 2_048), (0.25, 14_336), (0.40, 5_120), (0.55, 48_128),
        (0.70, 9_216), (0.80, 30_720), (0.90, 1_024), (1.00, 65_536),
    ]

    /// Source program 4: `monkey.patch_all()`, then eight concurrent `requests.get(url)`
    /// calls, each printing the length of its page, and the total time — which is about the
    /// time of the slowest page, not the sum of them all. The same pages are then fetched
    /// one after another for comparison.
    ///
    /// ```python
    /// from gevent import monkey; monkey.patch_all()
    /// import gevent, requests, time
    /// def fetch(url):
    ///     print(f"GET: {url}")
    ///     response = requests.get(url)
    ///     print(f"{url} returned, length {len(response.content)}")
    /// start = time.time()
    /// gevent.joinall([gevent.spawn(fetch, url) for url in urls])
    /// print(f"total: {time.time() - start:.1f} s")
    /// ```
    ///
    /// Weave needs no monkey-patching: `GreenHTTPClient` is green from the start.
    ///
    /// - Parameter urls: Real URLs to crawl; `nil` (the default) serves eight pages from an
    ///   embedded HTTP server on loopback, answering after 0.1 s to 1 s (times `timeScale`).
    /// - Throws: A request's error (a refused connection, a timeout, a bad URL).
    public func crawl(urls: [String]? = nil) throws {
        let scale = urls == nil ? timeScale : 1
        let emit = self.emit
        let server = try urls == nil ? Tour.startCrawlServer(timeScale: scale) : nil
        defer { try? server?.stop() }
        let targets = urls ?? Tour.crawlPages.indices.map { "http://127.0.0.1:\(server!.port)/page\($0 + 1)" }
        var configuration = GreenHTTPClient.Configuration()
        configuration.maxConnectionsPerHost = max(targets.count, 1)
        let client = try GreenHTTPClient(configuration: configuration)
        defer { try? client.close() }

        emit("monkey.patch_all() is not needed: GreenHTTPClient suspends only its green thread")
        let start = Tour.monotonicSeconds()
        let fetches = targets.map { url in
            Green.spawn(name: "fetch \(url)") {
                emit("GET: \(url)")
                let response = try client.get(url)
                emit("\(url) returned, length \(response.body.count)")
            }
        }
        try Green.joinAll(fetches, raiseError: true)
        let concurrent = (Tour.monotonicSeconds() - start) / scale

        let sequentialStart = Tour.monotonicSeconds()
        for url in targets {
            _ = try client.get(url)
        }
        let sequential = (Tour.monotonicSeconds() - sequentialStart) / scale
        emit("total: \(Tour.tenths(concurrent)) s for \(targets.count) pages fetched concurrently")
        emit("one after another: \(Tour.tenths(sequential)) s")
    }

    /// Starts the embedded site: `/pageN` answers after its delay with its size of text.
    static func startCrawlServer(timeScale: Double) throws -> GreenHTTPServer {
        let server = try GreenHTTPServer { request in
            guard request.path.hasPrefix("/page"), let number = Int(request.path.dropFirst(5)),
                crawlPages.indices.contains(number - 1)
            else {
                return GreenHTTPResponse(status: 404, text: "no such page\n")
            }
            let page = crawlPages[number - 1]
            try Green.sleep(page.delay * timeScale)
            let line = Array("page \(number) of the weave crawl\n".utf8)
            return GreenHTTPResponse(
                headers: [("Content-Type", "text/plain")],
                body: (0..<page.size).map { line[$0 % line.count] })
        }
        server.start()
        return server
    }

    static func tenths(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
