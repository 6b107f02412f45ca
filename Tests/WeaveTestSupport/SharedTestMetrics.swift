import Metrics
import MetricsTestKit

/// The test process's swift-metrics backend: a `TestMetrics` factory, bootstrapped once on
/// first use (swift-metrics allows one bootstrap a process). Tests find their metrics by
/// label and by dimensions unique to them, such as a server's port.
public enum SharedTestMetrics {
    /// The factory every metric in this process reports to.
    public static let factory: TestMetrics = {
        let factory = TestMetrics()
        MetricsSystem.bootstrap(factory)
        return factory
    }()
}
