extension BenchmarkReport {
    /// The results as lines of `name<TAB>value<TAB>unit`: how a suite or workload run in
    /// another process hands its figures back.
    public var lines: String {
        results.map { "\($0.name)\t\($0.value)\t\($0.unit.rawValue)" }.joined(separator: "\n")
    }

    /// Reads back what `lines` printed; `source` names the process for errors.
    /// - Throws: `BenchmarkError.workloadFailed` for a line it cannot read.
    static func parseLines(_ text: String, from source: String) throws -> [BenchmarkResult] {
        try text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            guard fields.count == 3, let value = Double(fields[1]),
                let unit = BenchmarkResult.Unit(rawValue: String(fields[2]))
            else { throw BenchmarkError.workloadFailed(source, "unreadable line '\(line)'") }
            return BenchmarkResult(name: String(fields[0]), value: value, unit: unit)
        }
    }
}
