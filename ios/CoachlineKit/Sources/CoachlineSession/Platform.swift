import Coachline
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Gives the 32-byte key the store is encrypted with. The app keeps it in the iOS
/// Keychain (made once, at random, `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`);
/// tests give a fixed one.
public protocol StoreKeyProvider: Sendable {
    func storeKey() throws -> Data
}

/// Now, in milliseconds since the epoch. Every screen and action of a session is
/// computed at the instant its clock gives; tests pass a clock they set.
public protocol Clock: Sendable {
    func nowMs() -> Int64
}

/// The system clock.
public struct SystemClock: Clock {
    public init() {}

    public func nowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// Performs what the session cannot do itself: `dial` and `sendText` (`tel:`/`sms:`
/// URIs), `callOtherParty`, `notify`, `showCode` (a QR code), `shareFile` (the share
/// sheet), `scheduleSync` (a background task). `show` and `refresh` never reach it:
/// the session follows them. Called on the thread that sent the action.
public protocol EffectHandler: Sendable {
    func perform(_ effect: Effect)
}

/// Moves sealed sync messages to and from the other phone: files, nearby, later a
/// relay. The messages are opaque, sealed to the other phone, and may be carried by
/// anyone; each is applied at most once by the receiving store, so a transport may
/// deliver a message twice (the second is refused as replayed).
public protocol SyncTransport: Sendable {
    /// Carries one message of `agreementId` to the other phone.
    func send(_ message: Data, agreementId: String) throws
    /// Every message that arrived since the last call, oldest first; each is handed
    /// out once. A message lost after this (the phone stopped before applying it) is
    /// not lost for good: the other phone sends again what was not acknowledged.
    func receive() throws -> [Data]
}

/// A `SyncTransport` through two directories: messages sent are written to `outbox`,
/// messages received are read (and removed) from `inbox`. For files carried by hand
/// (AirDrop, a shared folder), and for the tests, where one phone's outbox is the
/// other's inbox.
public final class DirectorySyncTransport: SyncTransport, @unchecked Sendable {
    public let outbox: URL
    public let inbox: URL
    private let lock = NSLock()
    private var sequence: UInt64 = 0
    /// The file name extension of a message, as `Effect.shareFile` names them.
    public static let fileExtension = "sync"

    public init(outbox: URL, inbox: URL) throws {
        self.outbox = outbox
        self.inbox = inbox
        for dir in [outbox, inbox] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
    }

    public func send(_ message: Data, agreementId: String) throws {
        lock.lock()
        sequence += 1
        let n = sequence
        lock.unlock()
        // Names sort in the order sent: the instant, then this transport's count.
        let ms = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let name = String(format: "coachline-%015lld-%08llu-%@.%@", ms, n, UUID().uuidString, Self.fileExtension)
        // Written under another name, then renamed: a reader never sees half a message.
        let partial = outbox.appendingPathComponent(".\(name).partial")
        try message.write(to: partial)
        try FileManager.default.moveItem(at: partial, to: outbox.appendingPathComponent(name))
    }

    public func receive() throws -> [Data] {
        lock.lock()
        defer { lock.unlock() }
        let names = try FileManager.default.contentsOfDirectory(atPath: inbox.path)
            .filter { !$0.hasPrefix(".") && $0.hasSuffix(".\(Self.fileExtension)") }
            .sorted()
        // All read before any is removed: a failed read loses nothing.
        let files = names.map { inbox.appendingPathComponent($0) }
        let messages = try files.map { try Data(contentsOf: $0) }
        for file in files { try FileManager.default.removeItem(at: file) }
        return messages
    }
}

/// Makes the HTTP requests of a relay pass (`CoachlineStore.relayPass`): each exactly
/// as given (method, URL, headers, body), returning the relay's answer whatever its
/// status (a refusal's body says why; the core reads it). Throws when no answer came
/// (no network, a timeout): the pass stops there, and nothing is lost.
///
/// The URL and the headers name this device: never log them.
public protocol RelayHTTP: Sendable {
    func exchange(_ request: RelayRequest) throws -> RelayResponse
}

/// `RelayHTTP` with `URLSession` (FoundationNetworking on Linux): an ephemeral
/// session, so nothing is cached or kept in cookies. Each request blocks the calling
/// thread until its answer: run sync off the main thread.
public final class URLSessionRelayHTTP: RelayHTTP, @unchecked Sendable {
    private let session: URLSession
    private let timeout: TimeInterval

    public init(timeout: TimeInterval = 30) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
        self.timeout = timeout
    }

    deinit { session.finishTasksAndInvalidate() }

    public func exchange(_ request: RelayRequest) throws -> RelayResponse {
        guard let url = URL(string: request.url) else { throw URLError(.badURL) }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        for header in request.headers {
            urlRequest.setValue(header.value, forHTTPHeaderField: header.name)
        }
        if request.method != "GET" {
            urlRequest.setValue("application/octet-stream", forHTTPHeaderField: "content-type")
            urlRequest.httpBody = request.body
        }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: urlRequest) { data, response, error in
            if let error {
                answer.set(.failure(error))
            } else if let response = response as? HTTPURLResponse {
                answer.set(.success(RelayResponse(status: UInt16(clamping: response.statusCode), body: data ?? Data())))
            } else {
                answer.set(.failure(URLError(.badServerResponse)))
            }
            done.signal()
        }.resume()
        done.wait()
        return try answer.get()
    }

    /// What the data task's completion hands to the waiting thread.
    private final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<RelayResponse, Error> = .failure(URLError(.unknown))

        func set(_ value: Result<RelayResponse, Error>) {
            lock.lock()
            result = value
            lock.unlock()
        }

        func get() throws -> RelayResponse {
            lock.lock()
            defer { lock.unlock() }
            return try result.get()
        }
    }
}
