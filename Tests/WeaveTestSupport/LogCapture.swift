import Logging
import Synchronization

/// Captures what a `Logger` logs, for tests that check a library reports through swift-log.
///
/// ```swift
/// let capture = LogCapture()
/// server.logger = capture.logger(label: "test")
/// …
/// XCTAssertEqual(capture.entries.first?.level, .error)
/// ```
public final class LogCapture: Sendable {
    /// One logged message.
    public struct Entry: Sendable {
        /// Its level.
        public var level: Logger.Level
        /// Its message.
        public var message: String
        /// Its metadata, the logger's merged with the call's, as strings.
        public var metadata: [String: String]
    }

    private let stored = Mutex<[Entry]>([])

    /// Creates an empty capture.
    public init() {}

    /// What was logged so far, in order.
    public var entries: [Entry] { stored.withLock { $0 } }

    /// A logger, at `level` and above, whose messages this capture keeps.
    public func logger(label: String, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ entry: Entry) {
        stored.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(Entry(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description)))
        }
    }
}
