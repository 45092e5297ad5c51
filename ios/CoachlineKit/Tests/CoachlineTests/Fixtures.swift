import Coachline
import Foundation
import XCTest

/// An instant as the API takes it: milliseconds since the epoch.
func at(_ iso: String) -> Int64 {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: iso) else { fatalError("not an ISO 8601 instant") }
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

let MINUTE: Int64 = 60_000
let HOUR: Int64 = 60 * MINUTE

/// The store key the tests open their stores with. An app generates its key once
/// (`newStoreKey()` or the platform's secure random) and keeps it in the iOS Keychain.
func testKey() -> Data { Data(repeating: 7, count: 32) }

/// Monday 2 March 2026, 10:00 in New York: within the therapist's phone hours.
let MONDAY_MORNING = at("2026-03-02T15:00:00Z")

/// A fresh directory for one test's store files, removed when the test ends.
func temporaryDirectory(for test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("coachline-swift-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// A therapist's phone and a client's phone, each with its own store file in `dir`,
/// and the helpers to bring an agreement between them to ACTIVE the way the apps do:
/// draft on the therapist's phone, carry the bytes over, sign on both.
final class Phones {
    let dir: URL
    let therapist: CoachlineStore
    let client: CoachlineStore

    init(_ dir: URL) throws {
        self.dir = dir
        therapist = try CoachlineStore.open(path: dir.appendingPathComponent("therapist.db").path, key: testKey())
        client = try CoachlineStore.open(path: dir.appendingPathComponent("client.db").path, key: testKey())
        _ = try therapist.createIdentity(role: .therapist, name: "Dr. Rivera", nowMs: MONDAY_MORNING - HOUR)
        _ = try client.createIdentity(role: .client, name: "Sam", nowMs: MONDAY_MORNING - HOUR)
    }

    /// Carries the agreement's bytes from one phone to the other (plain: the tests' own courier).
    func carry(_ id: String, from: CoachlineStore, to: CoachlineStore) throws {
        _ = try to.importAgreement(bytes: from.exportAgreement(agreementId: id, seal: .plain))
    }

    /// An agreement both parties have signed, with one target behaviour.
    func activeAgreement() throws -> String {
        let t0 = MONDAY_MORNING - HOUR
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: t0)
        try therapist.setTerm(agreementId: id, key: .availability, value: "Mon-Fri 09:00-20:00", nowMs: t0)
        _ = try therapist.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: t0)
        _ = try therapist.sign(agreementId: id, nowMs: t0 + MINUTE)
        try carry(id, from: therapist, to: client)
        XCTAssertEqual(try client.sign(agreementId: id, nowMs: t0 + 2 * MINUTE), .active)
        try carry(id, from: client, to: therapist)
        return id
    }

    /// Closes both stores (the objects are freed when the last reference goes).
    func close() {
        therapist.close()
        client.close()
    }
}

extension XCTestCase {
    /// Two phones in a fresh directory, closed when the test ends.
    func makePhones() throws -> Phones {
        let phones = try Phones(try temporaryDirectory(for: self))
        addTeardownBlock { phones.close() }
        return phones
    }
}

/// The CoachlineError `body` throws, or a failure (and nil) when it throws none or another.
func coachlineError<T>(
    _ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line
) -> CoachlineError? {
    do {
        _ = try body()
        XCTFail("expected a CoachlineError, nothing was thrown", file: file, line: line)
    } catch let error as CoachlineError {
        return error
    } catch {
        XCTFail("expected a CoachlineError, got another error type", file: file, line: line)
    }
    return nil
}

/// The id of the call an attempt recorded, started or declined.
extension CallAttempt {
    var callId: String {
        switch self {
        case let .started(callId, _): return callId
        case let .declined(callId, _): return callId
        }
    }
}

/// What threads hand back to the test, under a lock.
final class Tally<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [T] = []

    func add(_ item: T) {
        lock.lock()
        defer { lock.unlock() }
        collected.append(item)
    }

    var items: [T] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}
