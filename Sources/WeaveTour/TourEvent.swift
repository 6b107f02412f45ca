/// What a chapter reports while it runs. Codable, so that a chapter's own processes can
/// send their events to the tour's.
public enum TourEvent: Codable, Sendable, Equatable {
    /// A line the tutorial's program itself prints, in the tour's language.
    case line(String)
    /// The tour's own commentary: what a step shows, a measured total.
    case note(String)
    /// A long step under way; shown on a terminal, left out of the JSON report.
    case progress(String)
    /// One measured row of the lesson table.
    case lessonRow(LessonRow)
    /// A conclusion the lesson drew from its measurements.
    case verdict(String)
    /// One run of the crawl chapter's libcurl crawl, unpatched or patched, measured.
    case crawlRun(CrawlRun)
}

/// The language of the programs' own output lines.
public enum TourLanguage: String, Sendable, CaseIterable, Codable {
    /// The tutorial's own lines, in Chinese, exactly as the Python programs print them.
    case chinese = "zh"
    /// English translations of those lines.
    case english = "en"

    /// The line in this language: `chinese` is the program's own, `english` its
    /// translation.
    public func pick(_ chinese: String, _ english: String) -> String {
        self == .chinese ? chinese : english
    }
}
