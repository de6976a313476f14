// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// What the tests that run against real parts are built on.
let integrationDependencies: [Target.Dependency] = [
    "HandoffAPI",
    "HandoffWorkers",
    "HandoffStore",
    "HandoffCore",
    "HandoffOpenAPI",
    .product(name: "HummingbirdTesting", package: "hummingbird"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
]

let package = Package(
    name: "handoff",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "handoff", targets: ["handoff"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // The domain: values and pure functions, no I/O.
        .target(
            name: "HandoffCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Postgres: migrations, tenant-scoped transactions, one file per aggregate.
        .target(
            name: "HandoffStore",
            dependencies: [
                "HandoffCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The contract: openapi.yaml and the generator config only.
        .target(
            name: "HandoffOpenAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            resources: [.copy("openapi.yaml")],
            // The generated code imports Foundation as `package`; the resource
            // accessor's plain import must not be read as public beside it.
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: ["HandoffOpenAPIGenerator"]
        ),
        // Runs swift-openapi-generator on the generator's copy of openapi.yaml.
        .plugin(
            name: "HandoffOpenAPIGenerator",
            capability: .buildTool(),
            dependencies: [
                "handoff-generator-input",
                .product(name: "swift-openapi-generator", package: "swift-openapi-generator"),
            ]
        ),
        // Filters openapi.yaml into what the generator reads (`GeneratorInput`).
        .executableTarget(
            name: "handoff-generator-input",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Sources/HandoffGeneratorInput",
            swiftSettings: swiftSettings
        ),
        // The APIProtocol implementation: handlers, auth, errors, idempotency.
        .target(
            name: "HandoffAPI",
            dependencies: [
                "HandoffCore",
                "HandoffStore",
                "HandoffOpenAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Background services: the SLA timer engine and the delivery dispatcher.
        .target(
            name: "HandoffWorkers",
            dependencies: [
                "HandoffCore",
                "HandoffStore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "handoff",
            dependencies: [
                "HandoffAPI",
                "HandoffWorkers",
                "HandoffStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffGeneratorInputTests",
            dependencies: ["handoff-generator-input", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffCoreTests",
            dependencies: ["HandoffCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffStoreTests",
            dependencies: ["HandoffTestSupport"] + integrationDependencies,
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffWorkersTests",
            dependencies: ["HandoffTestSupport"] + integrationDependencies,
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffAPITests",
            dependencies: ["HandoffTestSupport", .product(name: "Yams", package: "Yams")] + integrationDependencies,
            swiftSettings: swiftSettings
        ),
        // What the Store, Workers and API tests share: a real Postgres per test
        // (template database), the app under test, an injected clock, a loopback
        // HTTP receiver and an SMTP sink.
        .target(
            name: "HandoffTestSupport",
            dependencies: integrationDependencies,
            path: "Tests/HandoffTestSupport",
            swiftSettings: swiftSettings
        ),
    ]
)
