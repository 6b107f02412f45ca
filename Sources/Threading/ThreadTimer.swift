import WeaveDurations

/// Runs a closure once on its own thread after a delay, unless cancelled first — Python's
/// `threading.Timer`. Any thread may call its methods.
///
/// ```swift
/// let reminder = ThreadTimer(interval: 30) { print("still working") }
/// try reminder.start()
/// reminder.cancel()  // before 30 s: the closure never runs
/// ```
public final class ThreadTimer: Sendable {
    /// The seconds between `start()` and the run — `Timer.interval`.
    public let interval: Double
    private let finished = ThreadEvent()
    private let thread: OSThread<Void>

    /// Creates a timer that will run `body` `interval` seconds after `start()` —
    /// `threading.Timer(interval, function)`.
    ///
    /// - Parameters:
    ///   - interval: Seconds to wait after `start()`.
    ///   - name: The timer thread's name; `Thread-N` by default.
    ///   - daemon: Whether the process may exit without waiting for the timer; by default
    ///     the creating thread's flag.
    ///   - body: The work; an error it throws is reported through `Threading.logger`.
    @DurationOverload
    public init(
        interval: Double, name: String? = nil, daemon: Bool? = nil,
        _ body: @escaping @Sendable () throws -> Void
    ) {
        self.interval = interval
        let finished = self.finished
        thread = OSThread(name: name, daemon: daemon) {
            if !finished.wait(timeout: interval) {
                finished.set()
                try body()
            }
        }
    }

    /// Starts the countdown on a new thread — `Timer.start()`.
    ///
    /// - Throws: ``ThreadingError`` `.alreadyStarted` on a second call, `.systemCallFailed`
    ///   when the system has no thread to give.
    public func start() throws {
        try thread.start()
    }

    /// Stops the timer if it is still waiting: its closure will not run —
    /// `Timer.cancel()`. Once the closure has begun, it runs to the end.
    public func cancel() {
        finished.set()
    }

    /// Waits until the timer's thread ends: after the closure ran, or soon after
    /// `cancel()` — `Timer.join(timeout)`.
    ///
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the thread has ended.
    /// - Throws: ``ThreadingError`` `.notStarted` before `start()`, `.joinSelf` from the
    ///   timer's own closure.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        try thread.join(timeout: timeout)
    }

    /// Whether the timer's thread is running — `Timer.is_alive()`.
    public var isAlive: Bool { thread.isAlive }

    /// The timer's thread.
    public var handle: AnyOSThread { thread.handle }
}
