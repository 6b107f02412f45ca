#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GreenPatch
import Weave

extension Tour {
    /// The eight sites of the tutorial's crawl, and how their offline stand-ins answer:
    /// after `delay` seconds of the program's time, with `size` characters.
    static let crawlSites: [(url: String, delay: Double, size: Int)] = [
        ("http://www.sina.com", 0.45, 14_336),
        ("http://www.qq.com", 0.30, 48_128),
        ("http://www.baidu.com", 0.20, 2_381),
        ("http://www.163.com", 0.40, 30_720),
        ("http://www.4399.com", 0.50, 9_216),
        ("http://www.sohu.com", 0.35, 65_536),
        ("http://www.youku.com", 0.25, 5_120),
        ("http://www.iqiyi.com", 0.45, 21_504),
    ]

    /// How long libcurl may take over one page, in seconds (`CURLOPT_TIMEOUT_MS`).
    static let pageTimeout = 30.0

    /// How long the tour waits for a crawl's process to report its next line, in seconds.
    static let crawlReportTimeout = 120.0

    /// What a crawl's process sends the tour: its events, then how it ended.
    private enum CrawlMessage: Codable, Sendable {
        case event(TourEvent)
        case finished
        case failed(String)
    }

    /// Source program 4, line by line, with `requests.get(url)` as libcurl's blocking
    /// `curl_easy_perform`: eight fetches in eight green threads, each printing the length
    /// of its page, then the total time.
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
    /// The program runs twice, each time as a process of its own: first without
    /// `monkey.patch_all()`, where every `curl_easy_perform` holds the hub's thread and the
    /// pages come one after another (about the sum of their times); then with
    /// `GreenPatch.patchAll()` as its first line, where libcurl's `poll`, `connect`, `recv`
    /// and `send` park only their green thread and the pages overlap (about the slowest
    /// page's time). Each run ends with a ``TourEvent/crawlRun(_:)`` event. The tour's own
    /// process is never patched.
    ///
    /// libcurl is loaded at run time (`libcurl.so.4`, else `libcurl-gnutls.so.4`); when
    /// neither is installed, the chapter says so in one note and ends.
    ///
    /// - Parameter urls: Real URLs to crawl; `nil` (the default) crawls the tutorial's
    ///   eight sites through offline stand-ins: an embedded HTTP server on loopback that
    ///   answers for each site after its own delay (0.2–0.5 s) with a page of its own size.
    ///   The delays scale with `timeScale`, but never below half, so that setting up
    ///   connections never outweighs the pages themselves.
    /// - Throws: A page's error (a refused connection, a timeout, an HTTP error status), or
    ///   a crawl process that failed.
    public func crawl(urls: [String]? = nil) throws {
        let curl: LibcurlEasy
        do {
            curl = try LibcurlEasy.load()
        } catch {
            return note("\(error)")
        }
        let scale = urls == nil ? max(timeScale, 0.5) : 1
        let server = try urls == nil ? Tour.startStandInServer(timeScale: scale) : nil
        defer { try? server?.stop() }
        let standInPort = server?.port
        let program = CrawlProgram(
            sites: urls ?? Tour.crawlSites.map(\.url),
            standInPort: standInPort,
            delays: urls == nil ? Tour.crawlSites.map(\.delay) : nil,
            scale: scale,
            curl: curl)

        note("requests.get(url) is libcurl's blocking curl_easy_perform (\(curl.library)); first without monkey.patch_all():")
        try runInProcess(program, patched: false)
        note("monkey.patch_all()")
        note("GreenPatch.patchAll(), the first line of main: the same crawl, now libcurl's blocking calls wait in their green thread only")
        try runInProcess(program, patched: true)
    }

    /// Runs `program` in a forked process, after `GreenPatch.patchAll()` when `patched`,
    /// and emits its events as they come.
    private func runInProcess(_ program: CrawlProgram, patched: Bool) throws {
        let messages = try ProcessQueue<CrawlMessage>()
        let reporter = Tour(timeScale: timeScale, language: language, lessonSize: lessonSize) { event in
            try? messages.put(.event(event))
        }
        let child = ChildProcess(name: patched ? "patched-crawl" : "unpatched-crawl", startMethod: .fork) {
            if patched { GreenPatch.patchAll() }
            do {
                try reporter.runCrawl(program, patched: patched)
                try messages.put(.finished)
            } catch {
                try messages.put(.failed("\(error)"))
            }
        }
        try child.start()
        defer { _ = try? child.join(timeout: Tour.crawlReportTimeout) }
        while true {
            let message: CrawlMessage
            do {
                message = try messages.get(timeout: Tour.crawlReportTimeout)
            } catch {
                try? child.kill()
                throw TourError.crawlFailed("its process reported nothing for \(Int(Tour.crawlReportTimeout)) s (\(error))")
            }
            switch message {
            case .event(let event): emit(event)
            case .finished: return
            case .failed(let detail): throw TourError.crawlFailed(detail)
            }
        }
    }

    /// The program itself, in the crawl's process: eight green threads each fetch a page
    /// with libcurl; the total time follows.
    private func runCrawl(_ program: CrawlProgram, patched: Bool) throws {
        func getPageText(_ url: String, order: Int = 0) throws {
            say("No\(order):\(url)请求开始...", "No\(order):\(url) request started...")
            let length = try program.curl.get(program.fetchURL(url), timeout: Tour.pageTimeout)  // blocking I/O in libcurl

            say("No\(order):\(url)成功返回:长度为\(length)", "No\(order):\(url) returned: length \(length)")
        }

        let start = Tour.now()
        try Green.joinAll(
            program.sites.enumerated().map { index, url in
                Green.spawn { try getPageText(url, order: index + 1) }
            }, raiseError: true)
        let end = Tour.now()
        let seconds = (end - start) / program.scale
        say("over,耗时\(Int(seconds))秒", "over, took \(Int(seconds)) seconds")
        say("\(Double(clock()) / Double(CLOCKS_PER_SEC))")
        emit(
            .crawlRun(
                CrawlRun(
                    patched: patched, pages: program.sites.count, seconds: seconds,
                    slowestPage: program.delays?.max(), delaySum: program.delays?.reduce(0, +))))
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

/// What the crawl fetches, and how.
private struct CrawlProgram: Sendable {
    /// The URLs the program names.
    let sites: [String]
    /// The stand-in server's port; `nil` when the sites are fetched for real.
    let standInPort: Int?
    /// The stand-in pages' delays in the program's seconds; `nil` for real URLs.
    let delays: [Double]?
    /// The time scale the stand-ins run at: measured seconds divided by it are the program's.
    let scale: Double
    /// libcurl, loaded.
    let curl: LibcurlEasy

    /// The URL actually fetched for `url`: the stand-in's path on loopback, or `url` itself.
    func fetchURL(_ url: String) -> String {
        standInPort.map { "http://127.0.0.1:\($0)/\(url.dropFirst("http://".count))" } ?? url
    }
}
