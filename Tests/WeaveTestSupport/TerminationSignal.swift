import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM for tests of services that a `ServiceGroup` shuts down on it.
///
/// A service group hears SIGTERM through a libdispatch signal source. On Linux, libdispatch
/// installs the signal handler that feeds those sources once per process, the first time a
/// source for that signal registers; a test that later calls `signal(SIGTERM, …)` replaces
/// that handler for good, and every later group waits for a SIGTERM that never reaches it.
/// So tests never touch the disposition: ``sendRepeatedly(every:)`` first registers a source
/// that lives as long as the process (it swallows a SIGTERM that arrives before the group's
/// own source registers), then sends SIGTERM until cancelled.
///
/// ```swift
/// let terminator = TerminationSignal.sendRepeatedly(every: .milliseconds(100))
/// try await group.run()
/// terminator.cancel()
/// ```
public enum TerminationSignal {
    /// Sends SIGTERM to this process every `interval` until the returned task is cancelled,
    /// once libdispatch routes SIGTERM to its signal sources.
    public static func sendRepeatedly(every interval: Duration) -> Task<Void, Never> {
        _ = keeper
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if !Task.isCancelled { kill(getpid(), SIGTERM) }
            }
        }
    }

    private static let keeper = ProcessLifetimeSource()
}

/// A SIGTERM source registered once and never cancelled, so that libdispatch's handler stays
/// installed and no SIGTERM takes the default action (ending the test process). Unchecked:
/// the source is only touched in `init`, and libdispatch's sources are thread-safe.
private final class ProcessLifetimeSource: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    init() {
        source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: DispatchQueue(label: "weave.tests.sigterm"))
        let registered = DispatchSemaphore(value: 0)
        source.setEventHandler {}
        source.setRegistrationHandler { registered.signal() }
        source.resume()
        registered.wait()
    }
}
