import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM for tests of services that a `ServiceGroup` shuts down on it. Use it only in a
/// spawned child of the test bundle, never in the test process itself.
///
/// Why a spawned child:
/// - A service group hears SIGTERM through a libdispatch signal source. On Linux,
///   libdispatch installs the handler that feeds those sources once per process, the first
///   time a source for that signal registers. A later `signal(SIGTERM, …)` replaces that
///   handler for good, and every later group waits for a SIGTERM that never reaches it.
/// - Each SIGTERM handled leaves a Dispatch worker thread idle for a few seconds. A child
///   forked meanwhile inherits Dispatch's count of that thread but not the thread, and never
///   runs Dispatch work (AsyncHTTPClient builds its TLS contexts there).
///
/// So ``sendRepeatedly(every:)`` never touches the disposition: it first registers a source
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
/// installed and no SIGTERM takes the default action (ending the process). Unchecked: the
/// source is only touched in `init`, and libdispatch's sources are thread-safe.
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
