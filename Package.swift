// swift-tools-version: 6.2
//
// Backstop: the batch reconciliation and indexing pipeline for the cvety.kz catalog.
// Data flows one way: BackstopExtract → BackstopReconcile → BackstopMerge → BackstopIndex → BackstopReport;
// BackstopStore (Backstop's schema, run ledger and lock) sits below the stages, BackstopPipeline composes
// them, and the `backstop` executable only parses arguments and calls it. Module names carry the `Backstop` prefix so that no
// type (`Index`, `Report`) can shadow its module.

import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let inMemoryLogging = Target.Dependency.product(name: "InMemoryLogging", package: "swift-log")
let subprocess = Target.Dependency.product(name: "Subprocess", package: "swift-subprocess")
let systemPackage = Target.Dependency.product(name: "SystemPackage", package: "swift-system")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")

let package = Package(
    name: "backstop",
    products: [
        .executable(name: "backstop", targets: ["backstop"]),
        .executable(name: "worldgen", targets: ["worldgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // FilePath, for Subprocess's `.path(_:)` (swift-subprocess depends on it anyway).
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // SHA-256 (the image cache's content address, report.html's CSP hashes): BoringSSL's, not hand-written.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // MARK: C libraries (Debian packages; `make setup` installs them)
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // libjpeg and libpng report fatal errors with longjmp, which Swift cannot catch: a compiled C
        // target owns the setjmp and exposes whole-operation functions.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png")]
        ),

        // MARK: Backstop libraries
        .target(name: "BackstopModel", dependencies: [crypto], path: "Sources/Model"),
        .target(
            name: "BackstopPostgres",
            dependencies: ["CLibPQ", "BackstopModel", logging],
            path: "Sources/Postgres"
        ),
        .target(
            name: "BackstopStore",
            dependencies: ["BackstopModel", "BackstopPostgres", logging],
            path: "Sources/Store"
        ),
        .target(
            name: "BackstopExtract",
            dependencies: ["BackstopModel", "BackstopPostgres", "CZlib", "CZstd", logging],
            path: "Sources/Extract"
        ),
        .target(
            name: "BackstopReconcile",
            dependencies: ["BackstopModel", "BackstopExtract", logging],
            path: "Sources/Reconcile"
        ),
        // The merge: the planner (policy, safety valve), the plan files, the row versions and the applier.
        .target(
            name: "BackstopMerge",
            dependencies: [
                "BackstopModel", "BackstopPostgres", "BackstopStore", "BackstopExtract", "BackstopReconcile", logging,
            ],
            path: "Sources/Merge"
        ),
        .target(
            name: "BackstopIndex",
            dependencies: [
                "BackstopModel", "BackstopPostgres", "BackstopExtract", "CBLAS", "CLAPACKE", "CImageCodecs", logging,
            ],
            path: "Sources/Index"
        ),
        .target(
            name: "BackstopReport",
            dependencies: ["BackstopModel"],
            path: "Sources/Report"
        ),
        .target(
            name: "BackstopPipeline",
            dependencies: [
                "BackstopModel", "BackstopPostgres", "BackstopStore", "BackstopExtract", "BackstopReconcile",
                "BackstopMerge", "BackstopIndex", "BackstopReport", logging,
            ],
            path: "Sources/Pipeline"
        ),
        .executableTarget(
            name: "backstop",
            dependencies: [
                "BackstopModel", "BackstopPostgres", "BackstopStore", "BackstopPipeline", "BackstopExtract",
                "BackstopMerge", "BackstopIndex", "BackstopReport", argumentParser, logging, subprocess,
                systemPackage,
            ]
        ),

        // MARK: The synthetic cvety world (its own executable, so the product CLI stays clean)
        .target(
            name: "BackstopWorldGen",
            dependencies: [
                "BackstopModel", "BackstopPostgres", "CZlib", "CImageCodecs", logging, subprocess, systemPackage,
            ],
            path: "Sources/WorldGen"
        ),
        .executableTarget(name: "worldgen", dependencies: ["BackstopWorldGen", argumentParser, logging]),

        // MARK: Benchmarks
        // What every bench executable measures with: this process's and a server backend's CPU time.
        .target(name: "BackstopBenchSupport", path: "Sources/BenchSupport"),
        // scripts/bench/30-catalog-copy.sh
        .executableTarget(
            name: "CatalogBench",
            dependencies: ["BackstopBenchSupport", "BackstopExtract", "BackstopModel", "BackstopPostgres", logging],
            path: "Sources/CatalogBench"
        ),
        // scripts/bench/50-index.sh
        .executableTarget(
            name: "IndexBench",
            dependencies: ["BackstopBenchSupport", "BackstopIndex", "BackstopModel", "CBLAS", logging],
            path: "Sources/IndexBench"),
        // scripts/bench/10-dump.sh
        .executableTarget(name: "DumpBench", dependencies: ["BackstopBenchSupport", "BackstopExtract", logging]),
        // scripts/bench/40-apply.sh
        .executableTarget(
            name: "ApplyBench",
            dependencies: [
                "BackstopBenchSupport", "BackstopExtract", "BackstopMerge", "BackstopModel", "BackstopPipeline",
                "BackstopPostgres",
                "BackstopStore", logging,
            ]
        ),
        // MARK: Fuzzing (scripts/fuzz.sh builds it with -sanitize=fuzzer into .build-fuzz)
        .executableTarget(name: "DumpFuzz", dependencies: ["BackstopExtract", logging]),

        // MARK: Tests
        .target(
            name: "BackstopTestSupport",
            dependencies: ["BackstopModel", "BackstopPostgres", logging, inMemoryLogging, subprocess, systemPackage],
            path: "Tests/BackstopTestSupport"
        ),
        .testTarget(name: "ModelTests", dependencies: ["BackstopModel"]),
        .testTarget(name: "PostgresTests", dependencies: ["BackstopPostgres", "BackstopTestSupport"]),
        .testTarget(
            name: "ExtractTests",
            dependencies: ["BackstopExtract", "BackstopModel", "BackstopTestSupport", inMemoryLogging],
            // The SQL that scripts/test.d/05-dump-fixtures.sh turns into dump fixtures (not a resource).
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ReconcileTests",
            dependencies: ["BackstopReconcile", "BackstopExtract", "BackstopModel", "BackstopTestSupport"]),
        .testTarget(
            name: "IndexTests",
            dependencies: [
                "BackstopIndex", "BackstopModel", "BackstopExtract", "BackstopPostgres", "BackstopTestSupport",
            ]),
        .testTarget(
            name: "MergeTests",
            dependencies: [
                "BackstopMerge", "BackstopReconcile", "BackstopExtract", "BackstopModel", "BackstopTestSupport",
            ]),
        .testTarget(name: "StoreTests", dependencies: ["BackstopStore", "BackstopTestSupport"]),
        // BackstopIndex decodes report.html's screenshot (libpng) in the browser test.
        .testTarget(
            name: "ReportTests",
            dependencies: ["BackstopReport", "BackstopStore", "BackstopModel", "BackstopIndex", "BackstopTestSupport"],
            exclude: ["Snapshots"]
        ),
        .testTarget(
            name: "WorldGenTests", dependencies: ["BackstopWorldGen", "BackstopExtract", "BackstopTestSupport"]),
        // The stage runner, and a job composed on it, without the binary (RunJobRunnerTests needs a server).
        .testTarget(
            name: "BackstopPipelineTests",
            dependencies: [
                "BackstopPipeline", "BackstopModel", "BackstopReport", "BackstopPostgres", "BackstopStore",
                "BackstopTestSupport", logging,
            ]),
        .testTarget(
            name: "CLITests",
            // `backstop` itself for the CLI's own parts (the progress renderer) tested without a terminal.
            dependencies: ["backstop", "BackstopTestSupport", "BackstopPostgres", "BackstopIndex", "BackstopModel"]
        ),
    ]
)

// MARK: One settings loop for every target (swift-log Package.swift:51, swift-nio Package.swift:638)
let upcomingFeatures: [SwiftSetting] = [
    // SE-0335: `any` spelled out for existentials.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0444: a file sees only the modules it imports.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
    // SE-0409: imports are internal unless written `public import`.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    .enableUpcomingFeature("InternalImportsByDefault"),
    // SE-0461: nonisolated async functions run on the caller's actor.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0461-async-function-isolation.md
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

// `BACKSTOP_WARNINGS_AS_ERRORS=1` (set by .ci/run) turns every warning into an error.
let warningsAsErrors = Context.environment["BACKSTOP_WARNINGS_AS_ERRORS"] == "1"
// `BACKSTOP_INTERNAL_CHECKS=1` compiles invariant checkers in (never in production builds).
let internalChecks = Context.environment["BACKSTOP_INTERNAL_CHECKS"] == "1"

// SE-0458: the modules with pointer code mark every unsafe expression `unsafe` (each with its one-line
// safety argument); anything unmarked is a warning, an error under BACKSTOP_WARNINGS_AS_ERRORS=1.
// https://github.com/swiftlang/swift-evolution/blob/main/proposals/0458-strict-memory-safety.md
let strictMemorySafetyTargets: Set<String> = ["BackstopExtract", "BackstopPostgres", "BackstopIndex"]

for target in package.targets where target.type != .system && target.name != "CImageCodecs" {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: upcomingFeatures)
    if strictMemorySafetyTargets.contains(target.name) { settings.append(.strictMemorySafety()) }
    if warningsAsErrors { settings.append(.treatAllWarnings(as: .error)) }
    if internalChecks { settings.append(.define("BACKSTOP_INTERNAL_CHECKS")) }
    target.swiftSettings = settings
}
