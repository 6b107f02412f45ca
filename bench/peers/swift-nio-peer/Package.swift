// swift-tools-version: 6.2
// The Swift server peers of Weave's networking benchmarks (`bench/net-compare`): echo and
// HTTP "hello" servers on raw SwiftNIO callbacks, on NIOAsyncChannel, and on Hummingbird,
// each on one event loop.
import PackageDescription

let package = Package(
    name: "NIOPeer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "NIOPeer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
