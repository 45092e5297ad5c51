// swift-tools-version:6.0
// The Swift tests of the generated bindings: scripts/test-swift copies the generated
// Coachline.swift and coachlineFFI.h in (they are not committed), then builds and
// runs this package against the real libcoachline_ffi.so from the cargo target dir.
import PackageDescription

let package = Package(
    name: "CoachlineSwiftTests",
    targets: [
        // The C side of the bindings: the generated header, and the library to link.
        .systemLibrary(name: "CoachlineFFI", path: "Sources/CoachlineFFI"),
        // The generated Swift, as an app would compile it (UniFFI's Swift is Swift 5).
        .target(
            name: "Coachline",
            dependencies: ["CoachlineFFI"],
            path: "Sources/Coachline",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "CoachlineTests",
            dependencies: ["Coachline"],
            path: "Tests/CoachlineTests",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
