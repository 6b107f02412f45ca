import Metrics

/// How many hooked calls waited cooperatively, by what they waited for: a process whose
/// counts stay at 0 after `patchAll()` is not reaching the hooks (see
/// `GreenPatch.isExported(_:)`). Reported through swift-metrics as
/// `weave_greenpatch_waits` with a `kind` dimension.
enum CooperativeWaitCounters {
    /// Waits for descriptors (reads, writes, connects, accepts, polls).
    static let descriptors = Counter(label: "weave_greenpatch_waits", dimensions: [("kind", "descriptor")])
    /// Sleeps, and polls on no descriptors.
    static let sleeps = Counter(label: "weave_greenpatch_waits", dimensions: [("kind", "sleep")])
    /// Name lookups handed to the blocking pool.
    static let lookups = Counter(label: "weave_greenpatch_waits", dimensions: [("kind", "lookup")])
}
