// swift-tools-version: 6.1
import CompilerPluginSupport
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Weave",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Weave", targets: ["Weave"]),
        .library(name: "Greenlets", targets: ["Greenlets"]),
        .library(name: "GreenHub", targets: ["GreenHub"]),
        .library(name: "Multiprocessing", targets: ["Multiprocessing"]),
        .library(name: "GreenNet", targets: ["GreenNet"]),
        .library(name: "Threading", targets: ["Threading"]),
        .library(name: "Executors", targets: ["Executors"]),
        .library(name: "WeaveServices", targets: ["WeaveServices"]),
        .library(name: "Managers", targets: ["Managers"]),
        .library(name: "GreenPatch", targets: ["GreenPatch"]),
        .library(name: "WeaveDistributed", targets: ["WeaveDistributed"]),
        .executable(name: "weave", targets: ["WeaveCLI"]),
        .executable(name: "weave-patch-bench", targets: ["WeavePatchBenchCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The only unsafe island below Swift: machine-context switch (assembly per
        // architecture), stack mapping with guard pages, overflow reporting, and the
        // shims into the Swift runtime and the address sanitizer.
        .target(name: "CWeaveContext"),
        // Process-side shims that Glibc's import cannot reach (variadic prctl and syscall,
        // the _GNU_SOURCE posix_spawn chdir action).
        .target(name: "CWeaveProcess"),
        // `@DurationOverload`: every `Duration` twin of a `Double`-seconds API, from one macro.
        .macro(
            name: "WeaveMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ],
            swiftSettings: strict
        ),
        .target(name: "WeaveDurations", dependencies: ["WeaveMacros"], swiftSettings: strict),
        .target(
            name: "Greenlets",
            dependencies: [
                "CWeaveContext",
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Multiprocessing",
            dependencies: [
                "CWeaveProcess",
                "WeaveDurations",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The hub: gevent-style cooperative scheduling on a SwiftNIO event loop.
        .target(
            name: "GreenHub",
            dependencies: [
                "CWeaveContext",
                "CWeaveProcess",
                "Greenlets",
                "WeaveDurations",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // Green networking: sockets, TLS, servers, HTTP client and server on SwiftNIO.
        .target(
            name: "GreenNet",
            dependencies: [
                "CWeaveProcess",
                "Greenlets",
                "GreenHub",
                "WeaveDurations",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The thread-id calls Glibc's Swift import hides (gettid).
        .target(name: "CWeaveThreading"),
        // Python's `threading` on OS threads: threads with results, locks, conditions,
        // semaphores, events, barriers, timers and thread-local values.
        .target(
            name: "Threading",
            dependencies: [
                "WeaveDurations",
                "CWeaveThreading",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // concurrent.futures: one executor protocol over processes, threads and greenlets,
        // and futures that plain code, greenlets and async code can wait on.
        .target(
            name: "Executors",
            dependencies: [
                "WeaveDurations",
                "GreenHub",
                "Threading",
                "Multiprocessing",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // swift-service-lifecycle: green servers, pools and managers as `Service`s that a
        // `ServiceGroup` starts and shuts down gracefully.
        .target(
            name: "WeaveServices",
            dependencies: [
                "Executors",
                "GreenHub",
                "GreenNet",
                "Managers",
                "Multiprocessing",
                "Threading",
                "WeaveDurations",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // multiprocessing.managers and .connection: authenticated listeners and clients, and a
        // manager process serving shared objects to proxies, locally or over TCP.
        .target(
            name: "Managers",
            dependencies: [
                "Multiprocessing",
                "WeaveDurations",
                "GreenHub",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // A process pool spread over machines: tasks, leases and results in PostgreSQL,
        // run by the registered pool functions of worker processes on every machine.
        .target(
            name: "WeaveDistributed",
            dependencies: [
                "Executors",
                "GreenHub",
                "Multiprocessing",
                "WeaveDurations",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // monkey.patch_all(): the libc functions an executable linking it defines (sleep,
        // read, recv, poll, connect, getaddrinfo, ...), passing through to glibc's until
        // GreenPatch turns them on; then greenlets' blocking calls wait on their hub.
        .target(name: "CWeavePatch", dependencies: ["CWeaveContext"]),
        .target(
            name: "GreenPatch",
            dependencies: [
                "CWeavePatch",
                "Greenlets",
                "GreenHub",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // A blocking libcurl GET (curl_easy_perform), the unchanged C workload of GreenPatch's
        // tests and benchmark. Needs libcurl's headers (libcurl4-openssl-dev).
        .target(name: "CWeaveCurl", linkerSettings: [.linkedLibrary("curl")]),
        // The same easy API reached at run time (dlopen libcurl.so.4, dlsym), for the tour's
        // crawl: `weave` must build where libcurl's headers are not installed.
        .target(name: "CWeaveCurlRuntime"),
        .target(
            name: "Weave",
            dependencies: ["Greenlets", "GreenHub", "GreenNet", "Multiprocessing", "Threading", "Executors", "Managers"],
            swiftSettings: strict
        ),
        .target(
            name: "WeaveTour",
            dependencies: ["Weave", "WeaveDurations", "GreenPatch", "CWeaveCurlRuntime"],
            swiftSettings: strict
        ),
        .target(
            name: "WeaveBench",
            dependencies: [
                "Weave",
                "WeaveDistributed",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `patch` benchmark suite, in an executable of its own: it patches its process
        // and links libcurl, which the `weave` CLI must build without.
        .target(
            name: "WeavePatchBench",
            dependencies: ["WeaveBench", "GreenPatch", "GreenHub", "GreenNet", "CWeavePatch", "CWeaveCurl"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WeavePatchBenchCLI",
            dependencies: ["WeaveBench", "WeavePatchBench"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WeaveCLI",
            dependencies: [
                "Weave",
                "WeaveTour",
                "WeaveBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            // The tour's crawl loads libcurl with dlopen: its calls reach GreenPatch's hooks
            // only if this executable exports them all (check with `nm -D`).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"], .when(platforms: [.linux]))]
        ),
        .target(
            name: "WeaveTestSupport",
            dependencies: [
                "Weave",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Tests/WeaveTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "GreenletsTests",
            dependencies: ["Greenlets", "WeaveTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GreenHubTests",
            dependencies: ["GreenHub", "WeaveTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MultiprocessingTests",
            dependencies: ["Multiprocessing", "WeaveTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GreenNetTests",
            dependencies: ["GreenNet", "Multiprocessing", "WeaveTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ThreadingTests",
            dependencies: [
                "Threading",
                "WeaveTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ExecutorsTests",
            dependencies: ["Executors", "Multiprocessing", "WeaveTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WeaveServicesTests",
            dependencies: [
                "WeaveServices",
                "WeaveTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WeaveDistributedTests",
            dependencies: [
                "WeaveDistributed", "Executors", "GreenHub", "Multiprocessing", "WeaveTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ManagersTests",
            dependencies: ["Managers", "GreenHub", "WeaveTestSupport"],
            swiftSettings: strict
        ),
        // libpq (libpq-dev), found through pkg-config.
        .systemLibrary(
            name: "CLibPQ",
            path: "Tests/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .testTarget(
            name: "GreenPatchTests",
            dependencies: [
                "GreenPatch", "GreenHub", "GreenNet", "Multiprocessing", "WeaveTestSupport", "CWeaveCurl", "CLibPQ",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WeaveTourTests",
            dependencies: [
                "WeaveTour",
                "WeaveServices",
                "WeaveDistributed",
                "GreenPatch",
                "WeaveTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)
