// swift-tools-version: 6.0
// The Swift async/await peer of Weave's benchmark suites: the same workloads on Swift
// Concurrency's tasks and the default (cooperative) global executor. No dependencies.
import PackageDescription

let package = Package(
    name: "SwiftAsyncPeer",
    platforms: [.macOS(.v15)],
    targets: [
        .executableTarget(
            name: "SwiftAsyncPeer"
        )
    ],
    swiftLanguageModes: [.v6]
)
