// swift-tools-version:6.0
// CoachlineKit: the Coachline core for Swift, and the session the iOS app is built on.
//
//   CoachlineFFI      the C side of the generated bindings: on Apple platforms the
//                     XCFramework scripts/build-xcframework.sh builds on a Mac (static
//                     libcoachline_ffi for iOS devices and simulators, with its
//                     header); on Linux a system library with its own module map,
//                     linked against libcoachline_ffi.so (scripts/test-swift).
//   Coachline         the generated Coachline.swift (Swift 5 language mode, as UniFFI
//                     writes it), copied in by scripts/test-swift or
//                     scripts/build-xcframework.sh; git-ignored.
//   CoachlineSession  Foundation only: one store's screens as observable values, the
//                     actions, the core's change notifications, sync through a
//                     transport (Swift 6 language mode).
import PackageDescription

#if os(Linux)
// UniFFI's own module map is for Apple platforms (`use "Darwin"`); this one links
// the library. The header is copied in next to it.
let ffi: Target = .systemLibrary(name: "CoachlineFFI", path: "Sources/CoachlineFFI")
#else
let ffi: Target = .binaryTarget(name: "CoachlineFFI", path: "CoachlineFFI.xcframework")
#endif

let package = Package(
    name: "CoachlineKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "Coachline", targets: ["Coachline"]),
        .library(name: "CoachlineSession", targets: ["CoachlineSession"]),
    ],
    targets: [
        ffi,
        .target(
            name: "Coachline",
            dependencies: ["CoachlineFFI"],
            path: "Sources/Coachline",
            swiftSettings: [.swiftLanguageMode(.v5)],
            // SQLCipher in the static library uses the system's Security framework
            // for its random bytes (docs/adr/0029-page-cipher-in-rust.md).
            linkerSettings: [.linkedFramework("Security", .when(platforms: [.iOS, .macOS]))]
        ),
        .target(
            name: "CoachlineSession",
            dependencies: ["Coachline"],
            path: "Sources/CoachlineSession",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // A real relay process on loopback, for both test targets.
        .target(
            name: "CoachlineTestSupport",
            path: "Tests/CoachlineTestSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The bindings' own tests: the journeys of the Kotlin and Python tests.
        .testTarget(
            name: "CoachlineTests",
            dependencies: ["Coachline", "CoachlineSession", "CoachlineTestSupport"],
            path: "Tests/CoachlineTests",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // The session the app is built on, against real stores.
        .testTarget(
            name: "CoachlineSessionTests",
            dependencies: ["CoachlineSession", "Coachline", "CoachlineTestSupport"],
            path: "Tests/CoachlineSessionTests",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
