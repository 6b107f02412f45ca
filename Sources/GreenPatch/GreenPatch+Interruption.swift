import Greenlets

extension GreenPatch {
    /// The error that interrupted a hooked call of the running greenlet and is not yet
    /// surfaced. Each greenlet has its own; only its own thread touches it.
    nonisolated(unsafe) private static let interruption = GreenletLocal<(any Error)?>(default: nil)
    /// How many `rethrowingInterruption` scopes the running greenlet is in.
    nonisolated(unsafe) private static let scopeDepth = GreenletLocal(default: 0)

    /// Runs `body` (blocking C code, such as `curl_easy_perform`) and throws the error that
    /// interrupted one of its hooked calls meanwhile.
    ///
    /// A Swift error cannot cross C frames. So when a greenlet waiting inside a hooked call
    /// is killed or its scoped timeout fires, the call fails with `EINTR`, as it would for a
    /// signal, and the error is kept for the greenlet. Libraries that give up on `EINTR`
    /// return soon; those that retry (libcurl does) carry on, so bound them with their own
    /// timeouts too (`CURLOPT_TIMEOUT`). When `body` returns or throws, the kept error is
    /// thrown instead.
    ///
    /// Call it on a greenlet of a hub's thread (elsewhere nothing is ever interrupted).
    /// ```swift
    /// try GreenPatch.rethrowingInterruption { curl_easy_perform(handle) }
    /// ```
    /// - Throws: The interruption (a ``/Greenlets/GreenletExit``, a ``/GreenHub/GreenTimeoutError``), else what
    ///   `body` throws.
    public static func rethrowingInterruption<Result>(_ body: () throws -> Result) throws -> Result {
        scopeDepth.value += 1
        defer { scopeDepth.value -= 1 }
        let result: Result
        do {
            result = try body()
        } catch {
            throw takeInterruption() ?? error
        }
        if let interruption = takeInterruption() { throw interruption }
        return result
    }

    /// Takes the error that interrupted a hooked call of the running greenlet (it made
    /// that call fail with `EINTR`), or `nil` if none is kept. Call it on the greenlet.
    public static func takeInterruption() -> (any Error)? {
        guard let error = interruption.value else { return nil }
        interruption.value = nil
        return error
    }

    /// Keeps `error`, which ended a hooked call's wait, for the running greenlet; the first
    /// one kept wins until it is taken.
    static func keep(_ error: any Error, interrupting call: String) {
        if interruption.value == nil {
            interruption.value = error
        }
        if scopeDepth.value == 0 {
            logger.warning(
                "a greenlet was interrupted inside a hooked call, which failed with EINTR; take the error with GreenPatch.takeInterruption() or run the call inside GreenPatch.rethrowingInterruption",
                metadata: ["call": "\(call)", "error": "\(error)"])
        }
    }
}
