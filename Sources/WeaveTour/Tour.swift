/// The tour of the source programs: each chapter is one of the tutorial's Python programs,
/// translated line by line into Weave.
///
/// Chapters write their lines through `emit`, so the command-line tool prints them and the
/// tests read them back. `timeScale` multiplies every sleep a chapter makes: 1 keeps the
/// program's own seconds, 0.01 runs it a hundred times faster.
public struct Tour: Sendable {
    /// Multiplies every delay a chapter makes; 1 keeps the source program's own timing.
    public var timeScale: Double
    /// Receives every line a chapter prints, in order.
    public var emit: @Sendable (String) -> Void

    /// Creates a tour that prints to standard output at the source programs' own speed.
    public init(timeScale: Double = 1, emit: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.timeScale = timeScale
        self.emit = emit
    }

    /// A chapter of the tour.
    public struct Chapter: Sendable {
        /// The short name used on the command line (`weave tour greenlets`).
        public var name: String
        /// One line saying what the chapter shows.
        public var summary: String
        /// Runs the chapter.
        public var run: @Sendable (Tour) throws -> Void
    }

    /// The chapters, in the order the tutorial presents them.
    public static let chapters: [Chapter] = [
        Chapter(
            name: "processes",
            summary: "Source program 1: a daemon child prints its pid and name while the parent polls is_alive()",
            run: { try $0.processDaemon() }
        ),
        Chapter(
            name: "queues",
            summary: "Producer and consumer processes talking through a queue",
            run: { try $0.producerConsumer() }
        ),
        Chapter(
            name: "greenlets",
            summary: "Source program 2: two greenlets hand control back and forth with switch()",
            run: { try $0.greenletPoem() }
        ),
        Chapter(
            name: "hub",
            summary: "Source program 3: four green threads with staggered sleeps finish in the longest chain's time",
            run: { try $0.staggeredSleeps() }
        ),
        Chapter(
            name: "crawl",
            summary: "Source program 4: eight concurrent HTTP GETs finish in about the slowest page's time",
            run: { try $0.crawl() }
        ),
    ]
}
