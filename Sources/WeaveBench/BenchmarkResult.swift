/// One measured figure of a benchmark suite, in the shape the benchmark contract fixes.
public struct BenchmarkResult: Sendable, Equatable {
    /// The unit a figure is expressed in.
    public enum Unit: String, Sendable {
        case nanoseconds = "ns"
        case microseconds = "us"
        case milliseconds = "ms"
        case seconds = "s"
        case operationsPerSecond = "ops/s"
        case megabytes = "MB"
        case gigabytesPerSecond = "GB/s"
        case ratio = "x"
    }

    /// The workload's name; peers use the same name for the same workload.
    public var name: String
    /// The measured figure.
    public var value: Double
    /// The unit of `value`.
    public var unit: Unit
    /// Whether a smaller figure is better (times, memory) or a larger one (throughput).
    public var lowerIsBetter: Bool

    /// Creates a result; `lowerIsBetter` defaults to what the unit implies.
    public init(name: String, value: Double, unit: Unit, lowerIsBetter: Bool? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.lowerIsBetter = lowerIsBetter ?? !(unit == .operationsPerSecond || unit == .gigabytesPerSecond)
    }
}

/// The results of one suite, printable as the contract's JSON object or as a table.
public struct BenchmarkReport: Sendable {
    /// The suite's name (`greenlet`, `hub`, `process`, …).
    public var suite: String
    /// The figures, in the order they were measured.
    public var results: [BenchmarkResult]

    /// Creates a report.
    public init(suite: String, results: [BenchmarkResult]) {
        self.suite = suite
        self.results = results
    }

    /// The report as one line of JSON:
    /// `{"suite": "...", "results": [{"name": ..., "value": ..., "unit": ..., "lower_is_better": ...}]}`.
    public var json: String {
        let rows = results.map { result in
            "{\"name\": \(Self.quoted(result.name)), \"value\": \(Self.number(result.value)), "
                + "\"unit\": \(Self.quoted(result.unit.rawValue)), \"lower_is_better\": \(result.lowerIsBetter)}"
        }
        return "{\"suite\": \(Self.quoted(suite)), \"results\": [\(rows.joined(separator: ", "))]}"
    }

    /// The report as an aligned, human-readable table.
    public var table: String {
        let width = max(4, results.map(\.name.count).max() ?? 0)
        var lines = ["suite \(suite)"]
        for result in results {
            let padded = result.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  \(padded)  \(Self.number(result.value)) \(result.unit.rawValue)")
        }
        return lines.joined(separator: "\n")
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value >= 100 { return String(Int((value).rounded())) }
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}
