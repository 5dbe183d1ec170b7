// swift-tools-version:6.0
import PackageDescription

// Engine, ImageIO and the CLI use Swift 5 language mode: they hold raw oneDNN and libpng
// pointers in classes that cross into a background Dispatch queue by design, and the
// strict-concurrency checker cannot see that the training queue owns them exclusively.
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "dip",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dip", targets: ["dip"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .target(name: "CPNG", path: "Sources/CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "Engine", dependencies: ["CDNNL"], swiftSettings: swift5),
        .target(name: "ImageIO", dependencies: ["CPNG", "CJPEG"], swiftSettings: swift5),
        .target(name: "TUI", dependencies: ["CNcurses"], swiftSettings: swift5),
        .target(name: "Tasks", dependencies: ["Engine", "ImageIO"], swiftSettings: swift5),
        .executableTarget(
            name: "dip",
            dependencies: [
                "Engine", "ImageIO", "TUI", "Tasks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swift5),
        .testTarget(
            name: "EngineTests", dependencies: ["Engine"], resources: [.copy("Fixtures")], swiftSettings: swift5),
        .testTarget(
            name: "ImageIOTests", dependencies: ["ImageIO"],
            resources: [.copy("Fixtures")], swiftSettings: swift5),
        .testTarget(name: "TUITests", dependencies: ["TUI"], swiftSettings: swift5),
        .testTarget(name: "TasksTests", dependencies: ["Tasks"], swiftSettings: swift5),
        .testTarget(name: "CLITests", dependencies: ["ImageIO", "Tasks"], swiftSettings: swift5),
    ]
)
