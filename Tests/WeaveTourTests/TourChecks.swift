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

    /// The crawl's lines, and its total below the sum of its pages' delays (3.55 s of the
    /// program's time): the fetches overlapped.
    static func checkCrawl(_ chapter: TourRecording.Chapter, file: StaticString = #filePath, line: UInt = #line) {
        let lines = lines(of: chapter)
        let starts = lines.filter { $0.hasSuffix("请求开始...") }
        XCTAssertEqual(starts, sites.enumerated().map { "No\($0.offset + 1):\($0.element)请求开始..." }, file: file, line: line)
        let replies = lines.filter { $0.contains("成功返回:长度为") }
        XCTAssertEqual(replies.count, 8, "\(lines)", file: file, line: line)
        XCTAssertTrue(replies.contains("No7:http://www.youku.com成功返回:长度为5120"), "\(replies)", file: file, line: line)
        let firstReply = lines.firstIndex { $0.contains("成功返回") } ?? 0
        XCTAssertEqual(lines[..<firstReply].filter { $0.hasSuffix("请求开始...") }.count, 8, "every request starts before the first reply", file: file, line: line)
        guard let over = lines.first(where: { $0.hasPrefix("over,耗时") }), let total = Int(over.dropFirst(7).dropLast()) else {
            return XCTFail("no total line in \(lines)", file: file, line: line)
        }
        XCTAssertLessThan(total, 3, "the crawl took \(total) s of the program's time; its pages' delays add up to 3.55 s", file: file, line: line)
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
