#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import WeaveDurations

/// Records a tour's events, chapter by chapter with their times, for the JSON report
/// (`weave tour --json`). Thread-safe: chapters may emit from any thread.
public final class TourRecording: Sendable {
    /// One line of a chapter, with when it came.
    public struct Line: Codable, Sendable, Equatable {
        /// `line` for the program's own output, `note` for the tour's commentary.
        public var kind: String
        /// The text.
        public var text: String
        /// Seconds since the chapter started.
        public var at: Double
    }

    /// One chapter's record.
    public struct Chapter: Codable, Sendable, Equatable {
        /// The chapter's name (`process`, `greenlet`…).
        public var name: String
        /// The English line naming its concept.
        public var concept: String
        /// How long it ran, in seconds.
        public var seconds: Double
        /// What it printed, in order.
        public var lines: [Line]
    }

    /// The lesson's measurements.
    public struct Lesson: Codable, Sendable, Equatable {
        /// One row per workload and model.
        public var rows: [LessonRow]
        /// One verdict per workload.
        public var verdicts: [String]
    }

    /// The whole report.
    public struct Report: Codable, Sendable, Equatable {
        /// The language of the programs' lines (`zh` or `en`).
        public var language: TourLanguage
        /// The delay multiplier the tour ran with.
        public var timeScale: Double
        /// The chapters, in the order they ran.
        public var chapters: [Chapter]
        /// The lesson table, when the lesson ran.
        public var lesson: Lesson?
        /// The crawl's runs, unpatched then patched, when the crawl chapter ran them.
        public var crawl: [CrawlRun]?
    }

    private struct State {
        var report: Report
        var chapterStart = ContinuousClock.now
    }

    private let state: Mutex<State>

    /// Starts an empty record for a tour in `language` at `timeScale`.
    public init(language: TourLanguage, timeScale: Double) {
        state = Mutex(State(report: Report(language: language, timeScale: timeScale, chapters: [], lesson: nil, crawl: nil)))
    }

    /// Opens a chapter's record; the events that follow belong to it.
    public func begin(_ chapter: Tour.Chapter) {
        state.withLock { state in
            state.chapterStart = .now
            state.report.chapters.append(Chapter(name: chapter.name, concept: chapter.concept, seconds: 0, lines: []))
        }
    }

    /// Records an event of the current chapter.
    public func record(_ event: TourEvent) {
        state.withLock { state in
            let at = state.chapterStart.duration(to: .now).weaveSeconds
            switch event {
            case .line(let text):
                state.report.chapters[state.report.chapters.count - 1].lines.append(Line(kind: "line", text: text, at: at))
            case .note(let text):
                state.report.chapters[state.report.chapters.count - 1].lines.append(Line(kind: "note", text: text, at: at))
            case .progress:
                break
            case .lessonRow(let row):
                state.report.lesson = state.report.lesson ?? Lesson(rows: [], verdicts: [])
                state.report.lesson?.rows.append(row)
            case .verdict(let text):
                state.report.lesson = state.report.lesson ?? Lesson(rows: [], verdicts: [])
                state.report.lesson?.verdicts.append(text)
            case .crawlRun(let run):
                state.report.crawl = (state.report.crawl ?? []) + [run]
            }
        }
    }

    /// Closes the current chapter's record with its running time.
    public func end() {
        state.withLock { state in
            state.report.chapters[state.report.chapters.count - 1].seconds = state.chapterStart.duration(to: .now).weaveSeconds
        }
    }

    /// The report so far.
    public var report: Report { state.withLock { $0.report } }

    /// The report as pretty-printed JSON, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
