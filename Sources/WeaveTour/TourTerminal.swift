#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders tour events for a terminal: the concept line in bold, the programs' lines as
/// they are, the tour's notes dimmed, the lesson as a table, the crawl's measured runs in
/// green, and progress on standard error, in place. Colour only when the stream is a terminal and `NO_COLOR` is unset.
public struct TourTerminal: Sendable {
    /// Whether standard output gets ANSI colour.
    public var colour: Bool
    /// Whether progress lines go to standard error (only when it is a terminal).
    public var showsProgress: Bool

    /// Decides colour and progress from the standard streams and `NO_COLOR`.
    public init() {
        let noColour = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        colour = isatty(STDOUT_FILENO) == 1 && !noColour
        showsProgress = isatty(STDERR_FILENO) == 1
    }

    /// The opening of a chapter.
    public func heading(_ chapter: Tour.Chapter) -> String {
        styled("== \(chapter.name): \(chapter.concept)", "1;36")
    }

    /// Prints `event`.
    public func show(_ event: TourEvent) {
        switch event {
        case .line(let text):
            clearProgress()
            print(text)
        case .note(let text):
            clearProgress()
            print(styled("   \(text)", "2"))
        case .progress(let text):
            guard showsProgress else { return }
            Self.writeToStandardError("\r\u{1B}[K… \(text)")
        case .lessonRow(let row):
            clearProgress()
            if row.model == "serial" { print(styled(Self.tableHeader, "1")) }
            print(Self.tableRow(row))
        case .verdict(let text):
            clearProgress()
            print(styled("=> \(text)", "1;32"))
        case .crawlRun(let run):
            clearProgress()
            print(styled("=> \(run.summary)", "1;32"))
        }
        fflush(nil)
    }

    /// The lesson table's header, printed above each workload's first (serial) row.
    public static let tableHeader = "workload    model       workers   wall time   speed-up"

    /// One row of the lesson table, in fixed columns.
    public static func tableRow(_ row: LessonRow) -> String {
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(width - text.count, 1))
        }
        return padded(row.workload, 12) + padded(row.model, 12) + padded("\(row.workers)", 10)
            + padded(Tour.milliseconds(row.seconds), 12) + Tour.times(row.speedup)
    }

    private func clearProgress() {
        if showsProgress { Self.writeToStandardError("\r\u{1B}[K") }
    }

    private static func writeToStandardError(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    private func styled(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension Tour {
    /// Seconds as `1234 ms`.
    static func milliseconds(_ seconds: Double) -> String {
        "\(Int((seconds * 1000).rounded())) ms"
    }
}
