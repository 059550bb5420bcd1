// swift-tools-version:6.0
// gongkai: a staged batch pipeline over 政府信息公开工作年度报告.
// No package dependencies by design: only the toolchain (Foundation, Dispatch, Testing).
import PackageDescription

let stages = ["ingest", "normalize", "extract", "aggregate", "render"]
/// Executables that are not pipeline stages: the synthetic report generator.
let tools = ["synth", "bench"]

let package = Package(
    name: "gongkai",
    products: (stages + tools).map { .executable(name: "gongkai-\($0)", targets: ["gongkai-\($0)"]) }
        + [.library(name: "GongkaiCore", targets: ["GongkaiCore"])],
    targets: [
        .target(name: "GongkaiCore", path: "Sources/GongkaiCore"),
    ] + (stages + tools).map {
        .executableTarget(name: "gongkai-\($0)", dependencies: ["GongkaiCore"], path: "Sources/gongkai-\($0)")
    } + [
        .testTarget(
            name: "GongkaiCoreTests",
            dependencies: ["GongkaiCore"],
            path: "Tests/GongkaiCoreTests"
        ),
    ]
)
