// What both test targets need to run a real relay: shared so it is written once.
import Foundation

/// A real relay process (`coachline-relay`, built by scripts/test-swift; its path in
/// `COACHLINE_RELAY_BIN`) on a free loopback port, over a fresh data directory;
/// stopped (SIGTERM) and its data removed by `stop()`.
public final class RelayProcess: @unchecked Sendable {
    private let process = Process()
    private let data: URL
    /// The relay's name, which requests are signed for: `http://127.0.0.1:PORT`.
    public let url: String
    public let port: Int

    public init() throws {
        let env = ProcessInfo.processInfo.environment
        let binary = env["COACHLINE_RELAY_BIN"] ?? "\(env["CARGO_TARGET_DIR"] ?? "target")/debug/coachline-relay"
        data = FileManager.default.temporaryDirectory.appendingPathComponent("coachline-relay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--data", data.path]
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let first = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let prefix = "listening on "
        let address = String(first.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        guard first.hasPrefix(prefix + "http://"), let port = URLComponents(string: address)?.port else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        url = address
        self.port = port
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: data)
    }
}
