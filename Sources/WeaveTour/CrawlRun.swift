/// One run of the crawl chapter's blocking libcurl crawl, unpatched or after
/// `monkey.patch_all()` (`GreenPatch.patchAll()`), in the program's seconds (the measured
/// time divided by the tour's time scale).
public struct CrawlRun: Codable, Sendable, Equatable {
    /// Whether the crawl ran after `GreenPatch.patchAll()`.
    public var patched: Bool
    /// How many pages it fetched, one green thread each.
    public var pages: Int
    /// Its wall time, from the first spawn to the last join.
    public var seconds: Double
    /// The slowest stand-in page's delay; `nil` when real URLs were crawled.
    public var slowestPage: Double?
    /// The stand-in pages' delays added up: what fetching them one after another takes;
    /// `nil` when real URLs were crawled.
    public var delaySum: Double?

    package init(patched: Bool, pages: Int, seconds: Double, slowestPage: Double?, delaySum: Double?) {
        self.patched = patched
        self.pages = pages
        self.seconds = seconds
        self.slowestPage = slowestPage
        self.delaySum = delaySum
    }

    /// One line saying what the run measured, against the pages' delays when known.
    public var summary: String {
        let how = patched ? "patched, side by side" : "unpatched, one after another"
        let measured = "\(how): \(pages) pages in \(Tour.tenths(seconds)) s"
        guard let slowestPage, let delaySum else { return measured }
        return measured + " (the slowest page takes \(Tour.tenths(slowestPage)) s, all of them \(Tour.tenths(delaySum)) s)"
    }
}
