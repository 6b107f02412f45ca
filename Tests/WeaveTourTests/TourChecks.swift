import WeaveTour
import XCTest

/// Checks of a tour report that both the in-process chapter tests and the command-line
/// test run: every program's lines, in the order the program prints them.
enum TourChecks {
    static func lines(of chapter: TourRecording.Chapter) -> [String] {
        chapter.lines.filter { $0.kind == "line" }.map(\.text)
    }

    static func notes(of chapter: TourRecording.Chapter) -> [String] {
        chapter.lines.filter { $0.kind == "note" }.map(\.text)
    }

    static func checkProcess(_ chapter: TourRecording.Chapter, mainPid: Int32, file: StaticString = #filePath, line: UInt = #line) {
        let lines = lines(of: chapter)
        XCTAssertEqual(lines.first, "当前进程ID=\(mainPid),name=MainProcess", file: file, line: line)
        let childLines = lines.filter { $0.hasPrefix("当前进程ID=") }.dropFirst()
        XCTAssertEqual(childLines.count, 1, "\(lines)", file: file, line: line)
        if let child = childLines.first {
            XCTAssertTrue(child.contains(",name=Process-"), child, file: file, line: line)
            XCTAssertFalse(child.hasPrefix("当前进程ID=\(mainPid),"), "the child has a pid of its own", file: file, line: line)
            let greeting = lines.firstIndex(of: child)!
            XCTAssertLessThan(greeting, lines.firstIndex(of: "hello") ?? -1, "the child greets before its first hello", file: file, line: line)
        }
        XCTAssertEqual(lines.filter { $0 == "hello" }.count, 5, file: file, line: line)
        let polls = lines.filter { $0.hasPrefix("子进程是否活着? ") }
        XCTAssertGreaterThanOrEqual(polls.filter { $0 == "子进程是否活着? True" }.count, 1, file: file, line: line)
        XCTAssertEqual(Array(polls.suffix(2)), ["子进程是否活着? False", "子进程是否活着? False"], file: file, line: line)
        XCTAssertEqual(polls.drop { $0.hasSuffix("True") }.filter { $0.hasSuffix("True") }, [], "alive never comes back", file: file, line: line)
        XCTAssertEqual(lines.last, "main over", file: file, line: line)
        let daemon = notes(of: chapter)
        XCTAssertTrue(daemon.contains { $0.hasSuffix("is the child running? true") }, "\(daemon)", file: file, line: line)
        XCTAssertTrue(daemon.contains { $0.hasSuffix("is its daemon child still running? false") }, "\(daemon)", file: file, line: line)
    }

    static let poem = ["开门走进卫生间", "一看拖把放旁边", "飞流直下三千尺", "疑是银河落九天"]

    static let geventLines = ["大梦谁先觉", "平生我自知", "草堂春睡足", "窗外日迟迟", "4:over", "3:over", "2:over", "1:over"]

    static let sites = [
        "http://www.sina.com", "http://www.qq.com", "http://www.baidu.com", "http://www.163.com",
        "http://www.4399.com", "http://www.sohu.com", "http://www.youku.com", "http://www.iqiyi.com",
    ]

    /// The stand-in pages' delays, in the program's seconds: 2.9 s in all, 0.5 s the slowest.
    static let crawlDelaySum = 2.9
    static let crawlSlowestPage = 0.5

    /// The crawl: the program's lines twice, split by the literal `monkey.patch_all()` note;
    /// unpatched, each page comes back before the next request starts and the total is at
    /// least the sum of the pages' delays; patched, every request starts before the first
    /// reply and the total is about the slowest page, well under the sum.
    static func checkCrawl(
        _ chapter: TourRecording.Chapter, runs: [CrawlRun]?, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let patch = chapter.lines.firstIndex(where: { $0.kind == "note" && $0.text == "monkey.patch_all()" }) else {
            return XCTFail("no monkey.patch_all() note in \(chapter.lines.map(\.text))", file: file, line: line)
        }
        let unpatched = chapter.lines[..<patch].filter { $0.kind == "line" }.map(\.text)
        let patched = chapter.lines[patch...].filter { $0.kind == "line" }.map(\.text)
        checkCrawlLines(unpatched, startsBeforeFirstReply: 1, file: file, line: line)
        checkCrawlLines(patched, startsBeforeFirstReply: 8, file: file, line: line)

        guard let runs, runs.count == 2 else { return XCTFail("two crawl runs expected: \(runs ?? [])", file: file, line: line) }
        XCTAssertEqual(runs.map(\.patched), [false, true], file: file, line: line)
        XCTAssertEqual(runs.map(\.pages), [8, 8], file: file, line: line)
        XCTAssertEqual(runs.compactMap(\.slowestPage), [crawlSlowestPage, crawlSlowestPage], file: file, line: line)
        XCTAssertEqual(runs.compactMap(\.delaySum).map { ($0 * 100).rounded() / 100 }, [crawlDelaySum, crawlDelaySum], file: file, line: line)
        XCTAssertGreaterThanOrEqual(runs[0].seconds, crawlDelaySum * 0.95, "unpatched, the pages came one after another", file: file, line: line)
        XCTAssertGreaterThanOrEqual(runs[1].seconds, crawlSlowestPage * 0.95, file: file, line: line)
        XCTAssertLessThan(runs[1].seconds, crawlDelaySum / 2, "patched, the pages overlapped", file: file, line: line)
    }

    /// One run's lines: the eight requests in order, their replies (the youku stand-in's
    /// page is 5120 bytes), `startsBeforeFirstReply` requests before the first reply, the
    /// total, and time.clock()'s number last.
    private static func checkCrawlLines(
        _ lines: [String], startsBeforeFirstReply: Int, file: StaticString, line: UInt
    ) {
        let starts = lines.filter { $0.hasSuffix("请求开始...") }
        XCTAssertEqual(starts, sites.enumerated().map { "No\($0.offset + 1):\($0.element)请求开始..." }, file: file, line: line)
        let replies = lines.filter { $0.contains("成功返回:长度为") }
        XCTAssertEqual(replies.count, 8, "\(lines)", file: file, line: line)
        XCTAssertTrue(replies.contains("No7:http://www.youku.com成功返回:长度为5120"), "\(replies)", file: file, line: line)
        let firstReply = lines.firstIndex { $0.contains("成功返回") } ?? 0
        XCTAssertEqual(lines[..<firstReply].filter { $0.hasSuffix("请求开始...") }.count, startsBeforeFirstReply, "\(lines)", file: file, line: line)
        XCTAssertNotNil(lines.first { $0.hasPrefix("over,耗时") }, "no total line in \(lines)", file: file, line: line)
        XCTAssertNotNil(Double(lines.last ?? ""), "time.clock()'s line is a number: \(lines.last ?? "")", file: file, line: line)
    }

    static func checkLesson(_ lesson: TourRecording.Lesson?, file: StaticString = #filePath, line: UInt = #line) {
        guard let lesson else { return XCTFail("no lesson in the report", file: file, line: line) }
        for workload in ["cpu-bound", "io-bound"] {
            let rows = lesson.rows.filter { $0.workload == workload }
            XCTAssertEqual(rows.map(\.model), ["serial", "threads", "processes", "greenlets"], file: file, line: line)
            XCTAssertTrue(rows.allSatisfy { $0.seconds > 0 && $0.speedup > 0 && $0.workers >= 1 }, "\(rows)", file: file, line: line)
            XCTAssertEqual(rows.first?.speedup, 1, file: file, line: line)
            XCTAssertTrue(lesson.verdicts.contains { $0.hasPrefix("\(workload): ") }, "\(lesson.verdicts)", file: file, line: line)
        }
    }
}
