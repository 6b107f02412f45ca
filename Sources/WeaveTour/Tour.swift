/// The tour of the tutorial's source programs: each chapter runs one of its Python programs
/// translated line by line into Weave, printing the program's own lines at the program's
/// own timing, and the last chapter measures the tutorial's advice on which model suits
/// which work.
///
/// Chapters report through `emit`, so the command-line tool prints them (or a JSON report)
/// and the tests read them back.
public struct Tour: Sendable {
    /// Multiplies every delay a chapter makes; 1 keeps the source programs' own timing.
    public var timeScale: Double
    /// The language of the programs' own lines.
    public var language: TourLanguage
    /// How much work the lesson's workloads do.
    public var lessonSize: LessonSize
    /// Receives everything a chapter reports, in order.
    public var emit: @Sendable (TourEvent) -> Void

    /// Creates a tour.
    /// - Parameters:
    ///   - timeScale: Multiplies every delay; 1 (the default) keeps the programs' seconds.
    ///   - language: The language of the programs' lines; Chinese, the tutorial's, by
    ///     default.
    ///   - lessonSize: The lesson's workload size; `.full` by default.
    ///   - emit: Receives every event.
    public init(
        timeScale: Double = 1,
        language: TourLanguage = .chinese,
        lessonSize: LessonSize = .full,
        emit: @escaping @Sendable (TourEvent) -> Void
    ) {
        self.timeScale = timeScale
        self.language = language
        self.lessonSize = lessonSize
        self.emit = emit
    }

    /// Reports a line the program itself prints, given in both languages.
    func say(_ chinese: String, _ english: String) {
        emit(.line(language.pick(chinese, english)))
    }

    /// Reports a line the program prints that reads the same in both languages.
    func say(_ line: String) {
        emit(.line(line))
    }

    /// Reports the tour's own commentary.
    func note(_ text: String) {
        emit(.note(text))
    }

    /// A chapter of the tour.
    public struct Chapter: Sendable {
        /// The short name used on the command line (`weave tour greenlet`).
        public var name: String
        /// The one English line naming the concept the chapter shows; it opens the chapter.
        public var concept: String
        /// Runs the chapter.
        public var run: @Sendable (Tour) throws -> Void
    }

    /// The chapters, in the order the tutorial presents them.
    public static let chapters: [Chapter] = [
        Chapter(
            name: "process",
            concept: "A process: a daemon child runs func(\"hello\") while the parent asks whether it is alive",
            run: { try $0.processProgram() }
        ),
        Chapter(
            name: "queues",
            concept: "Producer and consumer processes with separate memory talk through a queue and share a manager's dict and list",
            run: { try $0.producerConsumer() }
        ),
        Chapter(
            name: "greenlet",
            concept: "Coroutines: two greenlets hand the CPU to each other with an explicit switch()",
            run: { try $0.greenletProgram() }
        ),
        Chapter(
            name: "gevent",
            concept: "A cooperative hub: green threads that sleep hand the CPU to those that are awake",
            run: { try $0.geventProgram() }
        ),
        Chapter(
            name: "crawl",
            concept: "monkey.patch_all(): the same blocking libcurl crawl runs one page after another, then, patched, in the slowest page's time",
            run: { try $0.crawl() }
        ),
        Chapter(
            name: "lesson",
            concept: "The tutorial's advice, measured: processes for CPU-bound work, threads or coroutines for I/O-bound work",
            run: { try $0.lesson() }
        ),
    ]
}
