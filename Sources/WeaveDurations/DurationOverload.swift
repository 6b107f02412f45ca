/// Declares, beside a function that takes seconds as `Double`, its twin that takes a
/// `Duration` and forwards to it: every `Duration` overload in Weave comes from this one
/// macro, and so does every `Double`-seconds twin of a `Duration` property.
///
/// ```swift
/// @DurationOverload
/// public func get(timeout: Double? = nil) throws -> Value { … }
/// // adds: public func get(timeout: Duration?) throws -> Value
/// ```
///
/// On a `Duration` property it declares the property's `Double`-seconds twin instead:
///
/// ```swift
/// @DurationOverload
/// public var lease: Duration = .seconds(30)
/// // adds: public var leaseSeconds: Double { get set }
/// ```
///
/// - Parameter label: A new argument label for the first converted parameter
///   (`@DurationOverload(label: "for")` on `sleep(_ seconds: Double)` adds
///   `sleep(for:)`).
@attached(peer, names: overloaded, suffixed(Seconds))
public macro DurationOverload(label: String? = nil) = #externalMacro(module: "WeaveMacros", type: "DurationOverloadMacro")

extension Duration {
    /// The duration in seconds, as Weave's `Double` timeouts take it.
    package var weaveSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
